/*! Footfall opt-out */
!function(d,n){var s=d.currentScript||{},D=s.dataset||{},
de=/^de/i.test(D.lang||n.language),
t=de?{
h:"Besuchsstatistik",
l:"Meine Besuche in der Statistik dieser Website zählen",
p:"Diese Website zählt Besuche mit Footfall. Erfasst werden die aufgerufenen Seiten, woher Sie kamen, Browser, Betriebssystem, Bildschirmgröße und ungefähres Land. Ihre IP-Adresse wird gekürzt und nie gespeichert. Besuche werden unter einer pseudonymen Kennung ausgewertet, die nie mit personenbezogenen Daten zusammengeführt wird.",
c:"Wenn Sie widersprechen, speichert Ihr Browser das Cookie „footfall_optout“ und es wird nichts mehr über Sie erfasst. Wenn Sie Ihre Cookies löschen, wird auch dieses Cookie gelöscht und Ihre Besuche werden wieder gezählt.",
y:"Ihre Besuche werden derzeit gezählt.",
o:"Sie haben widersprochen: Ihre Besuche werden nicht gezählt.",
g:"Ihr Browser sendet „Do Not Track“ oder „Global Privacy Control“: es wird ohnehin nichts erfasst.",
b:"Meine erfassten Daten löschen",
x:"Die über Sie erfassten Daten sind gelöscht.",
k:"Hier ist nichts an Ihren Browser gebunden.",
f:"Nicht gelöscht, bitte später erneut versuchen."
}:{
h:"Visitor statistics",
l:"Count my visits in this website's statistics",
p:"This website counts visits with Footfall. It records the pages you view, where you came from, your browser, operating system, screen size and approximate country. Your IP address is shortened and never stored. Visits are analysed under a pseudonymous ID that is never merged with personal data.",
c:"If you opt out, your browser keeps the cookie “footfall_optout” and nothing at all is recorded about you. Deleting your cookies deletes this cookie too, and your visits are counted again.",
y:"Your visits are currently counted.",
o:"You have opted out: your visits are not counted.",
g:"Your browser sends Do Not Track or Global Privacy Control, so nothing is recorded anyway.",
b:"Delete the data collected about me",
x:"The data collected about you is deleted.",
k:"Nothing here is tied to your browser.",
f:"Not deleted, please try again later."
},
e=d.getElementById("footfall-optout"),
k=d.cookie.match(/(^|; )(_pk_id\.(\d+)\.[^=]*)=([0-9a-f]{16})/i),
h='<div class="footfall-optout" lang="'+(de?"de":"en")+'"><style>.footfall-optout{color:var(--footfall-optout-color,inherit);background:var(--footfall-optout-bg,transparent);font:var(--footfall-optout-font,inherit);padding:var(--footfall-optout-padding,0)}.footfall-optout h2{font-size:1.1em}.footfall-optout label{display:flex;gap:.5em;align-items:center;font-weight:bold}.footfall-optout input{width:1.2em;height:1.2em;accent-color:var(--footfall-optout-accent,auto)}</style><h2>'+t.h+"</h2><p>"+t.p+"</p><p>"+t.c+'</p><label><input type="checkbox" role="switch"> '+t.l+'</label><p aria-live="polite"></p>'+(k?'<button type="button">'+t.b+"</button>":"")+"</div>";
if(!e){e=d.createElement("div");e.id="footfall-optout";s.before(e)}
e.innerHTML=h;
var i=e.querySelector("input"),m=e.querySelector("[aria-live]"),b=e.querySelector("button");
function show(){var on=!/(^|; )footfall_optout=1/.test(d.cookie);i.checked=on;i.setAttribute("aria-checked",on);m.textContent=(on?t.y:t.o)+(n.doNotTrack=="1"||n.globalPrivacyControl?" "+t.g:"")}
function C(c,v){d.cookie=c+"="+v+";path=/;SameSite=Lax"+(location.protocol[4]=="s"?";Secure":"")}
i.onchange=function(){["footfall_optout","mtm_consent_removed"].map(c=>C(c,i.checked?";max-age=0":"1;max-age=34560000"));show()};
if(b)b.onclick=function(){b.disabled=1;i.checked&&i.click();self._paq&&_paq.push(["optUserOut"]);
fetch(s.src.replace(/[^/]*$/,"optout/forget"),{method:"POST",body:new URLSearchParams({idsite:k[3],visitor:k[4]})}).then(a=>a.json().then(j=>a.ok?(b.remove(),C(k[2],";max-age=0"),t.x):a.status==409?t.k:t.f)).catch(()=>t.f).then(v=>{m.textContent+=" "+v;b.disabled=0})};
show()}(document,navigator);
