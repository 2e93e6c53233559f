package challenge

// The paywall's style and script, inline because a gate may serve no other file and
// a page that pulls scripts from elsewhere would hand the payment flow to a third
// party. The script only uses what browsers and EIP-1193 wallets provide.

const paywallCSS = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2.5rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}` +
	`table{border-collapse:collapse;width:100%}td,th{padding:.35rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}` +
	`code,pre{background:#f4f4f4;padding:.1rem .3rem;word-break:break-all;white-space:pre-wrap;font-size:.9em}small{color:#555}` +
	`#pay{margin:1.5rem 0;padding:1rem 1.2rem;border:1px solid #ccd;border-radius:.5rem;background:#fafbff}#pay h2{margin-top:0;font-size:1.15rem}` +
	`button{font:inherit;padding:.5rem 1.1rem;border:0;border-radius:.35rem;background:#2251d1;color:#fff;cursor:pointer}button:disabled{background:#99a;cursor:wait}` +
	`#status{padding:.5rem .7rem;border-left:4px solid #99a;background:#fff}#status:empty{display:none}` +
	`[data-state=paid] #status{border-color:#1a7f37}[data-state=no-wallet] #status,[data-state=wrong-chain] #status{border-color:#bf8700}` +
	`[data-state=rejected] #status,[data-state=insufficient] #status,[data-state=refused] #status,[data-state=error] #status{border-color:#cf222e}` +
	`[data-state=paid] #go{display:none}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem}dt{font-weight:600}dd{margin:0;word-break:break-all}` +
	`#content pre{max-height:24rem;overflow:auto}#content iframe{width:100%;height:24rem;border:1px solid #ccd}#content img{max-width:100%}`

// paywallJS drives the states in the root element's data-state: static (no
// script), ready, no-wallet, busy, wrong-chain, rejected, insufficient, refused,
// error and paid.
const paywallJS = `const $=i=>document.getElementById(i),root=document.documentElement,cfg=JSON.parse($("x402-cfg").textContent);
const pr=b64json($("payment-required").textContent),btn=$("go"),st=$("status");
let eth=window.ethereum,acct=null;
function b64json(s){const b=atob(s.trim()),u=new Uint8Array(b.length);for(let i=0;i<b.length;i++)u[i]=b.charCodeAt(i);return JSON.parse(new TextDecoder().decode(u))}
function jsonb64(v){const u=new TextEncoder().encode(JSON.stringify(v));let s="";for(let i=0;i<u.length;i++)s+=String.fromCharCode(u[i]);return btoa(s)}
function hex(u){return Array.from(u,x=>x.toString(16).padStart(2,"0")).join("")}
function units(v,d){let s=v.toString().padStart(d+1,"0"),w=s.slice(0,s.length-d),f=d?s.slice(s.length-d).replace(/0+$/,""):"";return f?w+"."+f:w}
function opt(){const s=$("opt");return cfg[s?+s.value:0]}
function chainHex(o){return "0x"+o.chainId.toString(16)}
function set(state,msg,label){root.dataset.state=state;st.textContent=msg;btn.disabled=state==="busy";if(label)btn.textContent=label}
function payLabel(){const o=opt();return "Pay "+o.price+" on "+o.name}
function ready(){
  eth=window.ethereum;
  if(!eth){set("no-wallet","No browser wallet found. Install a wallet extension (MetaMask, Coinbase Wallet, Rabby...) and reload this page, or pay with any x402 client.","Check again");return}
  set("ready","Connect your wallet to pay "+opt().price+" on "+opt().name+" for this request. Each request is paid on its own.",payLabel());
}
function walletErr(e){return (e&&(e.message||e.code))||String(e)}
async function switchChain(o){
  const id=chainHex(o);
  try{await eth.request({method:"wallet_switchEthereumChain",params:[{chainId:id}]})}
  catch(e){
    const code=e&&(e.code||(e.data&&e.data.originalError&&e.data.originalError.code));
    if(code!==4902)throw e;
    if(!o.rpc){set("wrong-chain","Your wallet does not know "+o.name+" (chain id "+o.chainId+"). Add it to your wallet, then try again.","Try again");return false}
    const p={chainId:id,chainName:o.name,rpcUrls:[o.rpc],nativeCurrency:{name:o.currency,symbol:o.currency,decimals:18}};
    if(o.explorer)p.blockExplorerUrls=[o.explorer];
    await eth.request({method:"wallet_addEthereumChain",params:[p]});
    await eth.request({method:"wallet_switchEthereumChain",params:[{chainId:id}]});
  }
  return true;
}
async function balance(o,req){
  try{
    const r=await eth.request({method:"eth_call",params:[{to:req.asset,data:"0x70a08231"+acct.slice(2).toLowerCase().padStart(64,"0")},"latest"]});
    return r&&r!=="0x"?BigInt(r):0n;
  }catch(e){return null}
}
async function pay(){
  eth=window.ethereum;
  if(!eth)return ready();
  const o=opt(),req=pr.accepts[o.i];
  try{
    set("busy","Connecting to your wallet...");
    acct=(await eth.request({method:"eth_requestAccounts"}))[0];
    if(!acct){set("error","Your wallet shared no account.","Try again");return}
    const cid=parseInt(await eth.request({method:"eth_chainId"}),16);
    if(cid!==o.chainId){
      if(!pay.switching){pay.switching=true;set("wrong-chain","Your wallet is on chain id "+cid+"; this payment is on "+o.name+" (chain id "+o.chainId+").","Switch to "+o.name);return}
      set("busy","Switching your wallet to "+o.name+"...");
      if(!await switchChain(o))return;
    }
    pay.switching=false;
    set("busy","Checking your "+o.sym+" balance...");
    const bal=await balance(o,req);
    if(bal!==null&&bal<BigInt(req.amount)){set("insufficient","Insufficient balance: "+acct+" holds "+units(bal,o.dec)+" "+o.sym+" on "+o.name+"; this request costs "+o.price+".","Check again");return}
    const now=Math.floor(Date.now()/1000),n=new Uint8Array(32);crypto.getRandomValues(n);
    const auth={from:acct,to:req.payTo,value:req.amount,validAfter:String(now-600),validBefore:String(now+req.maxTimeoutSeconds),nonce:"0x"+hex(n)};
    const td={types:{EIP712Domain:[{name:"name",type:"string"},{name:"version",type:"string"},{name:"chainId",type:"uint256"},{name:"verifyingContract",type:"address"}],
      TransferWithAuthorization:[{name:"from",type:"address"},{name:"to",type:"address"},{name:"value",type:"uint256"},{name:"validAfter",type:"uint256"},{name:"validBefore",type:"uint256"},{name:"nonce",type:"bytes32"}]},
      primaryType:"TransferWithAuthorization",domain:{name:req.extra.name,version:req.extra.version,chainId:o.chainId,verifyingContract:req.asset},message:auth};
    set("busy","Sign the payment of "+o.price+" in your wallet...");
    let sig;
    try{sig=await eth.request({method:"eth_signTypedData_v4",params:[acct,JSON.stringify(td)]})}
    catch(e){if(e&&e.code===4001){set("rejected","You declined the signature, so nothing was paid. Press the button to try again.",payLabel());return}throw e}
    set("busy","Paying "+o.price+" and fetching the resource...");
    const h=jsonb64({x402Version:2,resource:pr.resource,accepted:req,payload:{signature:sig,authorization:auth}});
    const r=await fetch(location.href,{headers:{"PAYMENT-SIGNATURE":h},cache:"no-store",credentials:"same-origin"});
    const rh=r.headers.get("PAYMENT-RESPONSE");let rc=null;
    if(rh){try{rc=b64json(rh)}catch(e){}}
    if(!r.ok){
      let msg="HTTP "+r.status,code="";
      try{const j=await r.json();msg=j.message||j.error||msg;code=j.reason||j.error||""}catch(e){}
      root.dataset.reason=code;
      set("refused","The payment was refused: "+msg+(code?" ("+code+")":"")+". Nothing was charged unless a transaction is shown below.",payLabel());
      if(rc&&rc.transaction)receipt(o,rc);
      return;
    }
    await show(r);
    receipt(o,rc);
    set("paid","Paid "+o.price+" on "+o.name+". The resource is below.");
  }catch(e){pay.switching=false;set("error","The wallet reported an error: "+walletErr(e),"Try again")}
}
function receipt(o,rc){
  const d=$("receipt");d.textContent="";if(!rc)return;
  const row=(k,v)=>{const t=document.createElement("dt"),e=document.createElement("dd");t.textContent=k;if(typeof v==="string")e.textContent=v;else e.append(v);d.append(t,e)};
  row("Settled",rc.success?"yes":"no"+(rc.errorReason?" ("+rc.errorReason+")":""));
  row("Network",o.name+" ("+(rc.network||o.network)+")");
  if(rc.payer)row("Payer",rc.payer);
  if(rc.transaction){
    let v=rc.transaction;
    if(o.explorer){v=document.createElement("a");v.href=o.explorer+"/tx/"+rc.transaction;v.textContent=rc.transaction;v.rel="noopener"}
    row("Transaction",v);d.dataset.tx=rc.transaction;
  }
  d.hidden=false;
}
async function show(r){
  const c=$("content"),ct=(r.headers.get("Content-Type")||"").toLowerCase();c.textContent="";
  if(ct.includes("text/html")){
    const f=document.createElement("iframe"),t=await r.text();f.setAttribute("sandbox","allow-scripts allow-popups allow-forms");f.srcdoc=t;f.title="Paid content";
    const a=document.createElement("button");a.type="button";a.textContent="Open as page";a.onclick=()=>{document.open();document.write(t);document.close()};
    c.append(f,a);
  }else if(ct.startsWith("image/")){const i=document.createElement("img");i.src=URL.createObjectURL(await r.blob());i.alt="Paid content";c.append(i)}
  else if(!ct||/text|json|xml|javascript|csv|yaml/.test(ct)){const p=document.createElement("pre");p.id="body";p.textContent=await r.text();c.append(p)}
  else{const a=document.createElement("a");a.href=URL.createObjectURL(await r.blob());a.download="";a.textContent="Download the paid content ("+ct+")";c.append(a)}
  c.hidden=false;
}
$("pay").hidden=false;btn.onclick=pay;
if($("opt"))$("opt").onchange=ready;
ready();
if(!eth)window.addEventListener("ethereum#initialized",ready,{once:true});`
