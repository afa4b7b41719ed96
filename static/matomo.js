/*! Footfall tracker, Matomo-compatible (_paq); silent with the opt-out cookie, DNT or GPC. */
!function(w,d,n,l,H){var s=d.currentScript||{},D=s.dataset||{},
api=(D.api||(s.src||"").replace(/\/[^/]*$/,"")).replace(/(\/matomo\.php)?\/*$/,"/matomo.php"),
site=D.site,O=/(^|; )(footfall_optout|mtm_consent_removed)=[1-9]/,url,title,pv,sent,off,last,links,beat,timer,left,
T={trackPageView:P,
trackEvent:(e_c,e_a,e_n,e_v)=>S({e_c,e_a,e_n,e_v}),
trackGoal:(idgoal,revenue)=>S({idgoal,revenue}),
trackSiteSearch:(search,search_cat,search_count)=>S({search,search_cat,search_count}),
trackLink:(u,t)=>S({[t=="download"?t:"link"]:u}),
setCustomUrl:u=>url=new URL(u,l).href,
setDocumentTitle:t=>title=t,
setTrackerUrl:u=>api=u,
setSiteId:i=>site=i,
enableLinkTracking:()=>links=1,
enableHeartBeatTimer:t=>{beat=t||15;clearInterval(timer);timer=setInterval(()=>sent&&(left-=beat)>0&&!d.hidden&&S({ping:1}),beat*1e3)},
optUserOut:()=>K(1),
forgetUserOptOut:()=>{K(0);off=0},
isUserOptedOut:()=>O.test(d.cookie)},
q=w._paq||[],F=(w.footfall||{}).q||[];
function r(){return Math.random().toString(36).slice(2,8)}
function S(p,k){if(site&&!(off=off||O.test(d.cookie)||n.doNotTrack=="1"||n.globalPrivacyControl)){
p={idsite:site,rec:1,apiv:1,send_image:0,rand:r(),pv_id:pv,res:screen.width+"x"+screen.height,url:url||l.href,urlref:d.referrer,...p};
for(k in p)p[k]==null&&delete p[k];p=new URLSearchParams(p);
return n.sendBeacon(api,p)||fetch(api,{method:"POST",body:p,keepalive:!0,credentials:"include"})}}
function P(t){pv=r();left=1800;sent=S({action_name:t||title||d.title})}
function K(o){["footfall_optout","mtm_consent_removed"].map(c=>d.cookie=c+"="+o+";max-age="+o*4e7+";path=/;SameSite=Lax"+(l.protocol[4]=="s"?";Secure":""))}
function X(c,f){f=c[0];f=f?.call?f:T[f];return f&&f.apply(T,c.slice(1))}
function ff(c,a,b){return c=="event"?S({e_c:c,e_a:a,e_n:a,props:b&&JSON.stringify(b)}):X(c=="pageview"?["trackPageView"]:[...arguments])}
function N(h){h=l.href.split("#")[0];h!=last&&(last=h,setTimeout(P))}
q.map(c=>/^set[TS]/.test(c[0])&&X(c));q.map(c=>/^set[TS]/.test(c[0])||X(c));
w._paq={push:(...c)=>c.map(X)};w.footfall=ff;
d.addEventListener("click",(e,a)=>{(a=links&&e.target.closest("a[href]"))&&(a.hasAttribute("download")||/\.(pdf|zip|gz|rar|7z|dmg|exe|msi|apk|docx?|xlsx?|pptx?|csv|mp[34])$/i.test(a.pathname)?T.trackLink(a.href,"download"):a.host!=l.host&&a.protocol[3]=="p"&&T.trackLink(a.href))},!0);
if(D.site){links=1;D.heartbeat!="0"&&T.enableHeartBeatTimer(+D.heartbeat);["pushState","replaceState"].map(m=>{var o=H[m];H[m]=function(){o.apply(this,arguments);N()}});addEventListener("popstate",N);N()}
F.map(a=>ff(...a))}(window,document,navigator,location,history);
