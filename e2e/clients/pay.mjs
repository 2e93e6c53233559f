// Pays one x402 request with an official client and prints what came back as JSON:
//   node pay.mjs v2 <url> <privateKey> <rpcURL>   (@x402/fetch 2.x, protocol v2)
//   node pay.mjs v1 <url> <privateKey> <rpcURL>   (x402-fetch 1.x, protocol v1)
//   node pay.mjs v1-axios <url> <privateKey> <rpcURL>   (x402-axios, protocol v1)
// The e2e tests run it against Traefik with the gate, so the gate is checked against
// the clients buyers actually use, not against our own encoder.
const [version, url, key, rpc] = process.argv.slice(2);
if (!version || !url || !key || !rpc) {
  console.error("usage: node pay.mjs <v1|v1-axios|v2> <url> <privateKey> <rpcURL>");
  process.exit(2);
}

import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const account = privateKeyToAccount(key);
const transport = http(rpc);
const chainId = await createPublicClient({ transport }).getChainId();
const chain = {
  id: chainId,
  name: "turnpike-devchain",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpc] } },
};

let paidFetch;
if (version === "v2") {
  const { x402Client, wrapFetchWithPayment } = await import("@x402/fetch");
  const { registerExactEvmScheme } = await import("@x402/evm/exact/client");
  const { toClientEvmSigner } = await import("@x402/evm");
  const publicClient = createPublicClient({ chain, transport });
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, publicClient) });
  // The dev chain's token is not one of the SDK's default assets.
  if (typeof client.setSpendControls === "function") {
    client.setSpendControls({ allowedAssets: true });
  }
  paidFetch = wrapFetchWithPayment(fetch, client);
} else if (version === "v1") {
  const { wrapFetchWithPayment } = await import("x402-fetch");
  const wallet = createWalletClient({ account, chain, transport });
  paidFetch = wrapFetchWithPayment(fetch, wallet);
} else if (version === "v1-axios") {
  // The axios interceptor, adapted to the fetch-shaped use below.
  const { withPaymentInterceptor } = await import("x402-axios");
  const { default: axios } = await import("axios");
  const wallet = createWalletClient({ account, chain, transport });
  // The interceptor pays on the 402 error and reads the parsed v1 body, so axios keeps
  // its defaults: statuses >= 400 are errors (their response is reported like fetch's)
  // and JSON bodies are parsed (and re-serialized below).
  const api = withPaymentInterceptor(axios.create(), wallet);
  paidFetch = async (u) => {
    let res;
    try {
      res = await api.get(u);
    } catch (err) {
      if (!err.response) throw err;
      res = err.response;
    }
    return { status: res.status, headers: { get: (n) => res.headers[n.toLowerCase()] }, text: async () => (typeof res.data === "string" ? res.data : JSON.stringify(res.data)) };
  };
} else {
  console.error(`unknown client version ${version}`);
  process.exit(2);
}

const started = Date.now();
try {
  const res = await paidFetch(url, { method: "GET" });
  const body = await res.text();
  console.log(JSON.stringify({
    status: res.status,
    paymentResponse: res.headers.get("payment-response") || "",
    xPaymentResponse: res.headers.get("x-payment-response") || "",
    body,
    ms: Date.now() - started,
  }));
} catch (err) {
  console.log(JSON.stringify({ status: 0, error: String(err && (err.stack || err.message) || err), ms: Date.now() - started }));
}
