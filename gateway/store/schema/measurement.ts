import { Point } from '@influxdata/influxdb-client'

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

/**
 * Line protocol for one point of `m`, through the InfluxDB client's Point, which escapes
 * measurement, tag keys and values and quotes string fields as the line protocol requires, and
 * sorts tags and fields by key. Tags with an empty value are left out. Time is epoch ms: the
 * gateway writes with `precision=ms`.
 */
export class Line<M extends Measurement> {
  private readonly point: Point
  private readonly m: M

  constructor(m: M, tags: TagsOf<M>, timeMs: number) {
    this.m = m
    this.point = new Point(m.name)
    for (const t of m.tags as ReadonlyArray<M['tags'][number]>) this.point.tag(t, tags[t])
    this.point.timestamp(String(timeMs))
  }

  /** Sets a declared field with its declared type; `undefined` leaves it out. */
  set<K extends FieldKey<M>>(key: K, value: Value<M['fields'][K]> | undefined): this {
    if (value === undefined) return this
    const type = this.m.fields[key] as FieldType
    if (type === 'integer') this.point.intField(key, value as number)
    else if (type === 'float') this.point.floatField(key, value as number)
    else if (type === 'string') this.point.stringField(key, value as string)
    else this.point.booleanField(key, value as boolean)
    return this
  }

  /** A free-form field `<extraPrefix><key>`, typed by its value (numbers are floats). */
  extra(key: string, value: string | number | boolean): this {
    const prefix = this.m.extraPrefix
    if (prefix === undefined) throw new Error(`measurement ${this.m.name} takes no free-form fields`)
    if (typeof value === 'number') this.point.floatField(`${prefix}${key}`, value)
    else if (typeof value === 'boolean') this.point.booleanField(`${prefix}${key}`, value)
    else this.point.stringField(`${prefix}${key}`, value)
    return this
  }

  toString(): string {
    return this.point.toLineProtocol() as string
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
