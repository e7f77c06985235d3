/**
 * A first-in first-out queue with an O(1) `shift`. `Array.prototype.shift` moves every element
 * left once the array's backing store is too large for V8 to trim in place (large-object space,
 * beyond about 16,000 elements): on a backlog of 80,000 heartbeats each shift copied 600 KB, and a
 * CPU profile of the gateway at 15,000 heartbeats/s offered spent 17 % of the main thread there.
 * Here the consumed head is dropped in one copy once it is at least half of the array.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}
