// A read-only view of a record that a reload replaces: for the few parts built once at start
// that hold a config table (the deployments' instance types) rather than reading
// context.config each time. Lookups, `in`, Object.hasOwn and Object.keys all see the current one.
export function liveRecord<T>(current: () => Readonly<Record<string, T>>): Record<string, T> {
  return new Proxy({} as Record<string, T>, {
    get: (_, key) => (typeof key === 'string' && Object.hasOwn(current(), key) ? current()[key] : undefined),
    has: (_, key) => typeof key === 'string' && Object.hasOwn(current(), key),
    ownKeys: () => Object.keys(current()),
    // Configurable, as the proxy's empty target has no such property (a Proxy invariant).
    getOwnPropertyDescriptor: (_, key) =>
      typeof key === 'string' && Object.hasOwn(current(), key) ? { value: current()[key], enumerable: true, configurable: true, writable: false } : undefined,
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}

/**
 * The config as a reload leaves it, for parts built once at start that keep a Config (the quota
 * service's plans, the Stripe event handlers'): each property read goes to the current one. Its
 * target is an empty object, not the frozen config, which a Proxy could only ever mirror.
 */
export function liveConfig<T extends object>(current: () => T): T {
  return new Proxy({} as T, { get: (_, key) => Reflect.get(current(), key) });
}
