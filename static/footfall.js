/*! Footfall */
!function(w,d,n,l,H){var s=d.currentScript,D=s.dataset,
api=(D.api||s.src.replace(/\/[^/]*$/,"")).replace(/(\/matomo\.php)?\/*$/,"/matomo.php"),
beat=+(D.heartbeat||15),pv,sent,last,left,off,
F=(w.footfall||{}).q||[];
function O(){return off=off||!D.site||/(^|; )(footfall_optout|mtm_consent_removed)=[1-9]/.test(d.cookie)||n.doNotTrack=="1"||n.globalPrivacyControl}
function S(p,k){if(O())return;
p={idsite:D.site,rec:1,send_image:0,pv_id:pv,res:screen.width+"x"+screen.height,url:l.href,urlref:d.referrer,...p};
for(k in p)p[k]==null&&delete p[k];p=new URLSearchParams(p);
return n.sendBeacon(api,p)||fetch(api,{method:"POST",body:p,keepalive:!0,credentials:"include"})}
function P(){pv=Math.random().toString(36).slice(2,8);left=1800;sent=S({action_name:d.title})}
function ff(c,a,b){c=="event"?S({e_c:c,e_a:a,e_n:a,props:b&&JSON.stringify(b)}):c=="pageview"&&P()}
function N(h){h=l.href.split("#")[0];h!=last&&(last=h,setTimeout(P))}
function L(u,t){S({[t]:u})}
w.footfall=ff;
d.addEventListener("click",(e,a)=>{(a=e.target.closest("a[href]"))&&(a.hasAttribute("download")||/\.(pdf|zip|gz|rar|7z|dmg|exe|msi|apk|docx?|xlsx?|pptx?|csv|mp[34])$/i.test(a.pathname)?L(a.href,"download"):a.host!=l.host&&a.protocol[3]=="p"&&L(a.href,"link"))},!0);
["pushState","replaceState"].map(m=>{var o=H[m];H[m]=function(){o.apply(this,arguments);N()}});addEventListener("popstate",N);N();
beat&&setInterval(()=>sent&&(left-=beat)>0&&!d.hidden&&S({ping:1}),beat*1e3);
F.map(a=>ff(...a))}(window,document,navigator,location,history);
