// The three Reflect metadata functions tsyringe (used by @peculiar/x509) looks for, so the peer loads
// without the reflect-metadata package.

if (typeof Reflect.getMetadata !== 'function') {
  const store = new WeakMap();
  const table = (target, create) => {
    let t = store.get(target);
    if (!t && create) {
      t = new Map();
      store.set(target, t);
    }
    return t;
  };
  const keyOf = (key, prop) => (prop === undefined ? key : `${String(prop)}\u0000${String(key)}`);
  Reflect.defineMetadata = (key, value, target, prop) => {
    table(target, true).set(keyOf(key, prop), value);
  };
  Reflect.getOwnMetadata = (key, target, prop) => table(target, false)?.get(keyOf(key, prop));
  Reflect.getMetadata = (key, target, prop) => {
    for (let t = target; t; t = Object.getPrototypeOf(t)) {
      const v = Reflect.getOwnMetadata(key, t, prop);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
