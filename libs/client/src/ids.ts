/** Compares two notification ids (decimal strings of unbounded integers) without BigInt or floats. */
export function compareIds(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function maxId(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareIds(a, b) >= 0 ? a : b;
}

/**
 * Remembers which notifications were already shown. Two rules: anything at or below the cursor
 * (ids grow in commit order, so the server never sends an older one as new) and an exact-id memory
 * of bounded size, for the case where the cursor was lost or reset.
 */
export class SeenIds {
  private readonly ring: (string | undefined)[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(private readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('SeenIds capacity must be a positive integer');
    this.ring = new Array<string | undefined>(capacity);
  }

  /** True when `id` is new (and records it); false for a duplicate or an id at or below `cursor`. */
  accept(id: string, cursor: string | null): boolean {
    if (!/^\d+$/.test(id)) return false;
    if (cursor !== null && compareIds(id, cursor) <= 0) return false;
    if (this.set.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.set.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.set.add(id);
    return true;
  }

  get size(): number {
    return this.set.size;
  }
}
