// @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load unless the
// Reflect metadata API exists. The `reflect-metadata` package is not a dependency, so install
// the three functions tsyringe calls (only when missing). Import this before '@peculiar/x509'.
type MetadataMap = Map<unknown, unknown>;

const store = new WeakMap<object, MetadataMap>();

const reflect = Reflect as unknown as {
  getMetadata?: (key: unknown, target: object) => unknown;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
};

if (typeof reflect.getMetadata !== 'function') {
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    // Inherited lookup, like reflect-metadata: walk the prototype chain.
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const map = store.get(t);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
}

export {};
