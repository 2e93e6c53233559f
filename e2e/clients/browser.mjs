// The entry the cross-origin e2e test bundles for Chromium with esbuild: the official
// @x402/fetch v2 client and viem, paying with the wallet the page finds in
// window.ethereum (a viem wallet client over EIP-1193, not a key in the page), so the
// browser does exactly what a buyer's dapp does. The page calls window.turnpikePay(url)
// and gets back what it could read of the answer; a fetch the browser blocks shows up
// as {error}.
import { x402Client, wrapFetchWithPayment } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { toClientEvmSigner } from "@x402/evm";
import { createPublicClient, createWalletClient, custom } from "viem";

window.turnpikePay = async (url) => {
  const transport = custom(window.ethereum);
  const wallet = createWalletClient({ transport });
  const [address] = await wallet.requestAddresses();
  // Reads (the token's name and version for the EIP-712 domain) go through the
  // wallet's own RPC, as in a dapp without an RPC URL of its own.
  const publicClient = createPublicClient({ transport });
  const signer = toClientEvmSigner(
    { address, signTypedData: (msg) => wallet.signTypedData({ account: address, ...msg }) },
    publicClient,
  );
  const client = new x402Client();
  registerExactEvmScheme(client, { signer });
  // The dev chain's token is not one of the SDK's default assets.
  if (typeof client.setSpendControls === "function") {
    client.setSpendControls({ allowedAssets: true });
  }
  // Records every answer the page itself could read, under the client: the first must
  // be the 402 with its PAYMENT-REQUIRED header readable cross-origin, which the client
  // needs before the wallet is asked to sign anything.
  const seen = [];
  const recording = async (input, init) => {
    const res = await fetch(input, init);
    seen.push({ status: res.status, paymentRequired: res.headers.get("PAYMENT-REQUIRED") !== null });
    return res;
  };
  const paidFetch = wrapFetchWithPayment(recording, client);
  const started = performance.now();
  try {
    const res = await paidFetch(url);
    return {
      status: res.status,
      paymentResponse: res.headers.get("PAYMENT-RESPONSE") || "",
      body: await res.text(),
      seen,
      ms: Math.round(performance.now() - started),
    };
  } catch (err) {
    return { error: String((err && err.stack) || err), seen, ms: Math.round(performance.now() - started) };
  }
};
