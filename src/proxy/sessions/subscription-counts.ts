/**
 * Who holds a resource subscription on a shared child: the child is asked `resources/subscribe` once,
 * by the first holder of a URI, and `resources/unsubscribe` once, when its last holder lets go (by
 * unsubscribing or by ending). Pure bookkeeping; the caller sends the requests.
 */
export class SubscriptionCounts<H> {
  readonly #holders = new Map<string, Set<H>>();

  /** True when `holder` is the first of `uri` (the child must be asked). */
  add(uri: string, holder: H): boolean {
    const set = this.#holders.get(uri);
    if (set) {
      set.add(holder);
      return false;
    }
    this.#holders.set(uri, new Set([holder]));
    return true;
  }

  /** True when `holder` held `uri` and was its last holder (the child must be told). */
  remove(uri: string, holder: H): boolean {
    const set = this.#holders.get(uri);
    if (!set?.delete(holder)) return false;
    if (set.size > 0) return false;
    this.#holders.delete(uri);
    return true;
  }

  has(uri: string, holder: H): boolean {
    return this.#holders.get(uri)?.has(holder) ?? false;
  }

  /** The holders of `uri` (who gets its `notifications/resources/updated`). */
  holders(uri: string): H[] {
    return [...(this.#holders.get(uri) ?? [])];
  }

  /** `holder` ended: the URIs it was the last holder of. */
  drop(holder: H): string[] {
    const last: string[] = [];
    for (const uri of [...this.#holders.keys()]) if (this.remove(uri, holder)) last.push(uri);
    return last;
  }
}
