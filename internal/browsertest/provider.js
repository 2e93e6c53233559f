// An EIP-1193 provider for tests: every request goes to the Go wallet through the
// exposed func __turnpikeWallet, which answers {result} or {error:{code,message}}.
(() => {
  if (window.ethereum) return;
  const listeners = {};
  const provider = {
    isTurnpikeTestWallet: true,
    async request(args) {
      if (!args || typeof args.method !== "string") {
        const e = new Error("request needs {method, params}");
        e.code = -32600;
        throw e;
      }
      const r = await window.__turnpikeWallet({ method: args.method, params: args.params || [] });
      if (r.error) {
        const e = new Error(r.error.message);
        e.code = r.error.code;
        throw e;
      }
      return r.result === undefined ? null : r.result;
    },
    on(ev, f) { (listeners[ev] = listeners[ev] || []).push(f); return provider; },
    removeListener(ev, f) { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); return provider; },
  };
  window.ethereum = provider;
  window.dispatchEvent(new Event("ethereum#initialized"));
})();
