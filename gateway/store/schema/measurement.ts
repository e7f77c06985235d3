/**
 * InfluxDB field types (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/#data-types):
 * integers are written with the `i` suffix, booleans as `T`/`F`, strings quoted.
 */
export type FieldType = 'integer' | 'float' | 'string' | 'boolean'

type Value<T extends FieldType> = T extends 'integer' | 'float'
  ? number
  : T extends 'string'
    ? string
    : boolean

/** One measurement: its name, tag keys and field keys with their types, all spelled here only. */
export interface Measurement<
  Tag extends string = string,
  Fields extends Record<string, FieldType> = Record<string, FieldType>,
> {
  readonly name: string
  readonly tags: readonly Tag[]
  readonly fields: Fields
  /** Fields whose keys start with this prefix are free-form, typed by their value (`x_*`). */
  readonly extraPrefix?: string
}

export function measurement<const Tag extends string, const Fields extends Record<string, FieldType>>(
  m: Measurement<Tag, Fields>,
): Measurement<Tag, Fields> {
  return Object.freeze(m)
}

type TagsOf<M extends Measurement> = Record<M['tags'][number], string>
type FieldKey<M extends Measurement> = keyof M['fields'] & string

/** Line protocol escaping (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_tutorial/#special-characters). */
const MEASUREMENT_SPECIAL = /[, \n\r\t]/g
const TAG_SPECIAL = /[, =\n\r\t]/g
const QUOTED_SPECIAL = /["\\]/g
const ESCAPED: Record<string, string> = {
  ',': '\\,',
  ' ': '\\ ',
  '=': '\\=',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '"': '\\"',
  '\\': '\\\\',
}
const escapeWith = (special: RegExp) => (v: string) => v.replace(special, (c) => ESCAPED[c] as string)
const escapeMeasurement = escapeWith(MEASUREMENT_SPECIAL)
const escapeTag = escapeWith(TAG_SPECIAL)
const quote = (v: string) => `"${v.replace(QUOTED_SPECIAL, (c) => ESCAPED[c] as string)}"`

/** What a measurement's lines share, worked out once: escaped names, tags and fields in key order. */
interface Plan {
  name: string
  tags: Array<{ key: string; escaped: string }>
  /** Declared field keys in line order (sorted), escaped, and each key's position. */
  fields: string[]
  position: Map<string, number>
}
const plans = new WeakMap<Measurement, Plan>()

function planOf(m: Measurement): Plan {
  let plan = plans.get(m)
  if (plan) return plan
  const keys = Object.keys(m.fields).sort()
  plan = {
    name: escapeMeasurement(m.name),
    tags: [...m.tags].sort().map((key) => ({ key, escaped: escapeTag(key) })),
    fields: keys.map(escapeTag),
    position: new Map(keys.map((k, i) => [k, i])),
  }
  plans.set(m, plan)
  return plan
}

/** A field's value as the line protocol writes it, with the checks the InfluxDB client's Point makes. */
function encode(key: string, type: FieldType, value: unknown): string {
  if (type === 'integer') {
    const n = typeof value === 'number' ? value : Number.parseInt(String(value), 10)
    if (Number.isNaN(n) || n <= -9223372036854776e3 || n >= 9223372036854776e3)
      throw new Error(`invalid integer value for field '${key}': '${value}'!`)
    return `${Math.floor(n)}i`
  }
  if (type === 'float') {
    const n = typeof value === 'number' ? value : Number.parseFloat(String(value))
    if (!Number.isFinite(n)) throw new Error(`invalid float value for field '${key}': ${value}`)
    return String(n)
  }
  if (type === 'string') return quote(typeof value === 'string' ? value : String(value))
  return value ? 'T' : 'F'
}

/**
 * Line protocol for one point of `m`, as the InfluxDB client's Point writes it (and checked
 * against it: test/unit/store/schema/measurement.test.ts): measurement, tag keys and values
 * escaped, string fields quoted, tags and fields sorted by key, tags with an empty value left
 * out. Built without a Point: the key order and escaped names are worked out once per
 * measurement, so a heartbeat's line costs its values only. Time is epoch ms: the gateway writes
 * with `precision=ms`.
 */
export class Line<M extends Measurement> {
  private readonly m: M
  private readonly plan: Plan
  private readonly head: string
  private readonly time: string
  private readonly values: Array<string | undefined>
  private extras: Map<string, string> | null = null

  constructor(m: M, tags: TagsOf<M>, timeMs: number) {
    this.m = m
    this.plan = planOf(m)
    let head = this.plan.name
    for (const t of this.plan.tags) {
      const v = tags[t.key as M['tags'][number]]
      if (v) head += `,${t.escaped}=${escapeTag(v)}`
    }
    this.head = head
    this.time = String(timeMs)
    this.values = new Array(this.plan.fields.length)
  }

  /** Sets a declared field with its declared type; `undefined` leaves it out. */
  set<K extends FieldKey<M>>(key: K, value: Value<M['fields'][K]> | undefined): this {
    if (value === undefined) return this
    this.values[this.plan.position.get(key) as number] = encode(key, this.m.fields[key] as FieldType, value)
    return this
  }

  /** A free-form field `<extraPrefix><key>`, typed by its value (numbers are floats). */
  extra(key: string, value: string | number | boolean): this {
    const prefix = this.m.extraPrefix
    if (prefix === undefined) throw new Error(`measurement ${this.m.name} takes no free-form fields`)
    const type: FieldType =
      typeof value === 'number' ? 'float' : typeof value === 'boolean' ? 'boolean' : 'string'
    this.extras ??= new Map()
    this.extras.set(`${prefix}${key}`, encode(`${prefix}${key}`, type, value))
    return this
  }

  toString(): string {
    let fields = ''
    if (this.extras === null) {
      for (const [i, v] of this.values.entries())
        if (v !== undefined) fields += `${fields === '' ? '' : ','}${this.plan.fields[i]}=${v}`
    } else {
      // free-form keys sort among the declared ones
      const all = new Map(this.extras)
      for (const [k, i] of this.plan.position) {
        const v = this.values[i]
        if (v !== undefined) all.set(k, v)
      }
      for (const k of [...all.keys()].sort())
        fields += `${fields === '' ? '' : ','}${escapeTag(k)}=${all.get(k)}`
    }
    // a point without fields is no line (the client's Point answered undefined)
    if (fields === '') return undefined as unknown as string
    return `${this.head} ${fields} ${this.time}`
  }
}

/**
 * Quoted InfluxQL identifiers of `m`, for the gateway's own queries: a measurement, tag or field
 * name that the schema does not declare fails to compile. Declared names are plain snake_case,
 * so double quotes need no escaping (https://docs.influxdata.com/influxdb/v1/query_language/spec/#identifiers).
 */
export function influxql<M extends Measurement>(
  m: M,
): { from: string; key: (k: M['tags'][number] | FieldKey<M>) => string } {
  return { from: `"${m.name}"`, key: (k) => `"${k}"` }
}
