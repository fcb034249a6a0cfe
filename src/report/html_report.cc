#include "report/html_report.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/text_util.h"

namespace dt {

namespace {

using json = nlohmann::ordered_json;

bool failed(const FileResult& f) {
  return f.status == FileStatus::kFailed || f.status == FileStatus::kError ||
         f.status == FileStatus::kTimeout;
}

// The data the script draws from. Files are compact (one short-keyed object each, no output) so
// 5,000 of them stay small; only failed files carry their cases and output.
json tries_json(const std::vector<AttemptResult>& attempts) {
  json tries = json::array();
  for (const AttemptResult& a : attempts)
    tries.push_back({{"t", a.started_seconds},
                     {"d", a.duration_seconds},
                     {"r", a.runner},
                     {"n", a.node},
                     {"o", a.outcome},
                     {"w", a.why}});
  return tries;
}

// One bar of the timeline: a whole file, or a part of one.
json bar_json(const FileResult& f) {
  json bar = {{"p", f.path},
              {"s", to_string(f.status)},
              {"t", f.started_seconds},
              {"d", f.duration_seconds},
              {"n", f.node},
              {"r", f.runner},
              {"a", f.attempts},
              {"f", f.flaky}};
  if (!f.earlier_attempts().empty()) bar["e"] = tries_json(f.earlier_attempts());
  return bar;
}

json page_data(const RunResult& r) {
  const RunSummary& s = r.summary;
  json data;
  data["summary"] = {{"wall_seconds", s.wall_seconds},
                     {"lower_bound_seconds", s.lower_bound_seconds}};
  json nodes = json::array();
  for (const NodeResult& n : r.nodes)
    nodes.push_back({{"name", n.name},
                     {"host", n.host},
                     {"status", n.status},
                     {"lost", n.lost_seconds < 0 ? json(nullptr) : json(n.lost_seconds)}});
  data["nodes"] = std::move(nodes);
  json runners = json::array();
  for (const RunnerResult& x : r.runners) {
    json teardowns = json::array();  // [start, length] pairs: the page stays small
    for (const TeardownSpan& t : x.teardowns) {
      teardowns.push_back({t.started_seconds, t.duration_seconds});
    }
    runners.push_back({{"id", x.id}, {"node", x.node}, {"index", x.index}, {"status", x.status},
                       {"td", std::move(teardowns)}});
  }
  data["runners"] = std::move(runners);
  json files = json::array();
  json failures = json::array();
  for (const FileResult& f : r.files) {
    json file = bar_json(f);
    // A split file's bars are its parts, each in the lane of the runner that ran it, with
    // its own tries; the file's own times span them all and would draw one wrong bar.
    if (!f.parts().empty()) {
      json parts = json::array();
      for (const FileResult& part : f.parts()) {
        json bar = bar_json(part);
        bar["i"] = part.selection.part;
        bar["k"] = part.selection.parts;
        parts.push_back(std::move(bar));
      }
      file.erase("e");
      file["parts"] = std::move(parts);
    }
    files.push_back(std::move(file));
    if (!failed(f)) continue;
    json cases = json::array();
    for (const CaseResult& c : f.cases())
      if (c.status == "failed" || c.status == "error")
        cases.push_back({{"name", c.name},
                         {"location", c.location},
                         {"message", c.message},
                         {"backtrace", c.backtrace}});
    json parts = json::array();  // where each part ran, for the failure's heading
    for (const FileResult& part : f.parts())
      parts.push_back({{"label", work_label(part.path, part.selection)},
                       {"status", to_string(part.status)},
                       {"node", part.node},
                       {"runner", part.runner},
                       {"attempts", part.attempts}});
    failures.push_back({{"path", f.path},
                        {"status", to_string(f.status)},
                        {"node", f.node},
                        {"runner", f.runner},
                        {"attempts", f.attempts},
                        {"error", f.error()},
                        {"earlier", tries_json(f.earlier_attempts())},
                        {"cases", std::move(cases)},
                        {"output", f.output()},
                        {"parts", std::move(parts)}});
  }
  data["files"] = std::move(files);
  data["failures"] = std::move(failures);
  return data;
}

// JSON safe inside <script>: "</" becomes "<\/" so it cannot close the element, and any other
// "<" becomes "\u003c" so "<!--" or "<script" cannot enter the script-data escape states. "<"
// only occurs inside JSON strings, where both are valid escapes: JSON.parse gives back the text.
std::string script_safe_json(const json& data) {
  std::string raw = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + raw.size() / 64);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '<' && raw.compare(i, 2, "</") == 0) {
      out += "<\\/";
      ++i;
    } else if (raw[i] == '<') {  // "<!--", "<script": no script-data escape states
      out += "\\u003c";
    } else {
      out += raw[i];
    }
  }
  return out;
}

std::string number(double v, const char* format = "%.1f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}


std::string summary_html(const RunResult& r) {
  const RunSummary& s = r.summary;
  auto cell = [](const char* label, const std::string& value, const char* cls = "") {
    return std::string("<div class=\"stat ") + cls + "\"><b>" + value + "</b><span>" + label +
           "</span></div>";
  };
  std::string ratio = s.lower_bound_seconds > 0 && std::isfinite(s.wall_seconds)
                          ? number(s.wall_seconds / s.lower_bound_seconds, "%.2f") + "\u00d7"
                          : "-";
  std::string h = "<section id=\"summary\">";
  h += cell("files", std::to_string(s.files));
  h += cell("examples", std::to_string(s.examples));
  h += cell("failures", std::to_string(s.failures), s.failures ? "bad" : "");
  h += cell("pending", std::to_string(s.pending));
  h += cell("errors", std::to_string(s.errors), s.errors ? "bad" : "");
  h += cell("not run", std::to_string(s.not_run), s.not_run ? "warn" : "");
  h += cell("flaky", std::to_string(s.flaky), s.flaky ? "warn" : "");
  if (s.split_files > 0) {
    h += cell("split files",
              std::to_string(s.split_files) + " (" + std::to_string(s.parts) + " parts)");
  }
  h += cell("wall time", number(s.wall_seconds) + " s");
  h += cell("ideal lower bound", number(s.lower_bound_seconds) + " s");
  h += cell("wall / lower bound", ratio);
  h += "</section>";
  if (r.interrupted) h += "<p class=\"banner\">The run was interrupted.</p>";
  if (r.fail_fast_triggered) h += "<p class=\"banner\">Fail-fast stopped the run.</p>";
  // A file that quietly ran fewer examples than last time: as loud as the console's warning.
  if (!r.drift.empty()) {
    h += "<ul id=\"drift\" class=\"banner\">";
    for (const SuiteDrift& d : r.drift) {
      h += "<li>" + markup_escape(describe_drift(d), false) + "</li>";
    }
    h += "</ul>";
  }
  return h;
}

constexpr const char* kStyle = R"CSS(
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
h1{font-size:20px}h2{font-size:17px;margin-top:1.5em}
#summary{display:flex;flex-wrap:wrap;gap:8px}
.stat{border:1px solid #ccc;border-radius:4px;padding:4px 10px;min-width:70px}
.stat b{display:block;font-size:18px}.stat span{color:#666;font-size:12px}
.stat.bad b{color:#c00}.stat.warn b{color:#b80}
.banner{background:#fec;padding:4px 8px}
.legend span{display:inline-block;padding:0 6px;margin-right:6px;border-radius:3px}
#timeline{position:relative;margin-left:170px}
.node{margin:6px 0 2px -170px;font-weight:bold}.node.lost{color:#c00}
.node .st{font-weight:normal;margin-left:8px}
.lane{position:relative;height:16px;margin:1px 0;background:#f4f4f4}
.lane .id{position:absolute;left:-170px;width:165px;overflow:hidden;white-space:nowrap;
 text-overflow:ellipsis;font-size:11px;color:#555}
.bar{position:absolute;top:1px;height:14px;min-width:1px;box-sizing:border-box;
 border-right:1px solid #fff}
.passed{background:#3a3}.failed{background:#d22}.error{background:#800}
.timeout{background:#e80}.flaky{background:#ec0}
.retry{background-image:repeating-linear-gradient(45deg,transparent 0 3px,rgba(0,0,0,.35) 3px 5px)}
.last{outline:2px solid #00f;z-index:2}
.try{position:absolute;top:1px;height:14px;min-width:2px;box-sizing:border-box;
 border:1px dashed #333;background:repeating-linear-gradient(45deg,#f4f4f4 0 3px,#bbb 3px 5px)}
.try.failed{border-color:#d22}
.teardown{position:absolute;top:4px;height:8px;min-width:2px;background:#88a}
.dim{opacity:.12}
#filter{margin:4px 0 8px;font:inherit;width:24em}
.bar.failed,.bar.error,.bar.timeout{cursor:pointer}
#drift{margin:8px 0;padding-left:2em}
.lostmark{position:absolute;top:0;bottom:0;right:0;border-left:3px solid #c00;
 background:rgba(200,0,0,.12);z-index:1}
.vline{position:absolute;top:0;bottom:0;border-left:2px dashed #00f;z-index:3}
.vline span{position:absolute;top:-16px;font-size:11px;color:#00f;white-space:nowrap}
.axis{position:relative;height:16px;font-size:11px;color:#666}
.axis span{position:absolute}
.failure{border-left:4px solid #d22;padding:2px 10px;margin:10px 0}
.failure h3{font-size:14px;margin:4px 0}.meta{color:#666;font-size:12px}
pre{background:#f6f6f6;padding:6px;overflow:auto;max-height:40em;white-space:pre-wrap}
)CSS";

constexpr const char* kScript = R"JS(
(function(){
const D=JSON.parse(document.getElementById('data').textContent);
const num=v=>(typeof v==='number'&&isFinite(v))?v:0;
const el=(tag,cls,text)=>{const e=document.createElement(tag);if(cls)e.className=cls;
 if(text!==undefined)e.textContent=text;return e;};
const strip=s=>s.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g,'').replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g,'');
const tl=document.getElementById('timeline');
const lb=num(D.summary.lower_bound_seconds);
// The bars: a whole file, or each part of a split file, labelled "path (part i/k)" and drawn
// where its runner ran it; `path` is the file's, for the jump to its failure.
const bars=[];
for(const f of D.files){
 if(!f.parts){bars.push(Object.assign({},f,{path:f.p}));continue;}
 for(const x of f.parts)bars.push(Object.assign({},x,{path:f.p,p:f.p+' (part '+x.i+'/'+x.k+')'}));}
let end=0,tryEnd=0;
for(const f of bars){if(f.s!=='not run')end=Math.max(end,num(f.t)+num(f.d));
 for(const a of f.e||[])tryEnd=Math.max(tryEnd,num(a.t)+num(a.d));}
const span=Math.max(end,tryEnd,num(D.summary.wall_seconds),lb,1e-9);
const pct=v=>(100*v/span)+'%';
// Lanes: one per runner, grouped by node in the order nodes are listed; runners or nodes the
// lists lack (should not happen) get lanes as their files appear.
const nodes=new Map(),lanes=new Map();
const nodeOf=name=>{if(!nodes.has(name))nodes.set(name,{name:name,host:'',status:'',runners:[]});
 return nodes.get(name);};
for(const n of D.nodes)Object.assign(nodeOf(n.name),n,{runners:[]});
const laneOf=(id,node)=>{if(!lanes.has(id)){const l={id:id,files:[],tries:[]};lanes.set(id,l);
 nodeOf(node).runners.push(l);}return lanes.get(id);};
for(const r of D.runners)laneOf(r.id,r.node).td=r.td||[];
for(const f of bars){if(f.s!=='not run')laneOf(f.r,f.n).files.push(f);
 (f.e||[]).forEach((a,i)=>laneOf(a.r,a.n).tries.push({f:f,a:a,k:i+1}));}
const frag=document.createDocumentFragment();
const shown=[];  // [element, path]: what the filter dims
const failureIds=new Map(D.failures.map((f,i)=>[f.path,'failure-'+i]));
const axis=el('div','axis');
const digits=span<2?2:1;
for(let i=0;i<=10;i++){const s=el('span','',(span*i/10).toFixed(digits)+'s');s.style.left=(i*10)+'%';
 axis.appendChild(s);}
frag.appendChild(axis);
for(const n of nodes.values()){
 if(!n.runners.length&&n.status==='ok')continue;
 const bad=n.status&&n.status!=='ok';
 const h=el('div','node'+(bad?' lost':''),(bad?'\u26a0 ':'')+n.name+(n.host?' ('+n.host+')':''));
 h.appendChild(el('span','st',n.status||''));frag.appendChild(h);
 for(const l of n.runners){
  const lane=el('div','lane');lane.appendChild(el('span','id',l.id));
  for(const f of l.files){
   const t=num(f.t),d=num(f.d);
   let cls='bar '+(f.f?'flaky':f.s);if(f.a>1)cls+=' retry';if(t+d>=end-1e-6)cls+=' last';
   const b=el('div',cls);b.style.left=pct(t);b.style.width=pct(d);
   b.title=f.p+'\n'+f.s+(f.f?' (flaky)':'')+', '+d.toFixed(2)+'s, started at '+t.toFixed(2)+
     's, attempts '+f.a+(t+d>=end-1e-6?'\nends last: bounds the run':'');
   if(failureIds.has(f.path))b.onclick=()=>document.getElementById(failureIds.get(f.path)).scrollIntoView();
   shown.push([b,f.p]);lane.appendChild(b);}
  // Tries that did not count: where a runner died or the node was lost under a file, or where
  // it failed before --retry passed it elsewhere.
  for(const x of l.tries){
   const t=num(x.a.t),d=num(x.a.d);
   const b=el('div','try '+x.a.o);b.style.left=pct(t);b.style.width=pct(d);
   b.title=x.f.p+'\nattempt '+x.k+' of '+x.f.a+': '+x.a.o+' after '+d.toFixed(2)+'s (started at '+
     t.toFixed(2)+'s)'+(x.a.w?'\n'+x.a.w:'')+'\nfinally '+x.f.s+' on '+x.f.r;
   shown.push([b,x.f.p]);lane.appendChild(b);}
  // The framework's teardown after the runner's last file (after(:suite), session fixtures).
  for(const [t,d] of l.td||[]){const b=el('div','teardown');b.style.left=pct(t);b.style.width=pct(d);
   b.title='teardown of '+l.id+': '+d.toFixed(2)+'s (from '+t.toFixed(2)+'s)';lane.appendChild(b);}
  if(typeof n.lost==='number'){const m=el('div','lostmark');m.style.left=pct(n.lost);
   m.title='node '+n.name+' '+n.status;lane.appendChild(m);}
  frag.appendChild(lane);}}
if(lb>0){const v=el('div','vline');v.style.left=pct(lb);
 v.appendChild(el('span','','ideal '+lb.toFixed(1)+'s'));frag.appendChild(v);}
tl.appendChild(frag);
// Dims every bar whose path does not contain the text; the URL's #filter=TEXT presets it, so a
// link can point at one file's bars.
const filter=document.getElementById('filter');
const applyFilter=()=>{const q=filter.value;
 for(const [b,p] of shown)b.classList.toggle('dim',q!==''&&!p.includes(q));};
filter.addEventListener('input',applyFilter);
const preset=/^#filter=(.*)$/.exec(location.hash);
if(preset){let q=preset[1];try{q=decodeURIComponent(q);}catch(e){}filter.value=q;applyFilter();}
const fl=document.getElementById('failures');
if(!D.failures.length)fl.appendChild(el('p','','No failures.'));
for(const [i,f] of D.failures.entries()){
 const box=el('div','failure');box.id='failure-'+i;box.appendChild(el('h3','',f.path));
 if(!f.parts.length)box.appendChild(el('div','meta',f.status+' on '+f.runner+' ('+f.node+'), attempts '+f.attempts));
 else box.appendChild(el('div','meta',f.status+', split into '+f.parts.length+' parts'));
 for(const x of f.parts)box.appendChild(el('div','meta',x.label+': '+x.status+' on '+x.runner+' ('+x.node+
  '), attempts '+x.attempts));
 for(const a of f.earlier)box.appendChild(el('div','meta','earlier: '+a.o+' on '+a.r+' ('+a.n+
  ') after '+num(a.d).toFixed(2)+'s'+(a.w?': '+a.w:'')));
 if(f.error)box.appendChild(el('pre','',f.error));
 for(const c of f.cases){
  box.appendChild(el('div','',c.name+(c.location?' \u2014 '+c.location:'')));
  box.appendChild(el('pre','',strip(c.message+(c.backtrace?'\n'+c.backtrace:''))));}
 if(f.output){const det=el('details');det.appendChild(el('summary','','output'));
  det.appendChild(el('pre','',strip(f.output)));box.appendChild(det);}
 fl.appendChild(box);}
})();
)JS";

}  // namespace

std::string html_report(const RunResult& result) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>distributest run</title><style>";
  h += kStyle;
  h += "</style></head><body>\n<h1>distributest run</h1>\n";
  h += summary_html(result);
  h += "\n<h2>Timeline</h2><p class=\"legend\"><span class=\"passed\">passed</span>"
       "<span class=\"failed\">failed</span><span class=\"error\" style=\"color:#fff\">error"
       "</span><span class=\"timeout\">timeout</span><span class=\"flaky\">flaky</span>"
       "<span class=\"passed retry\">retried</span><span class=\"passed last\">ends last</span>"
       "<span class=\"try\" style=\"position:static\">earlier try</span>"
       "<span class=\"teardown\" style=\"position:static;color:#fff\">teardown</span>"
       "<span class=\"lostmark\" style=\"position:static\">node lost</span>"
       "</p>\n<input id=\"filter\" type=\"search\" placeholder=\"filter by path\" "
       "aria-label=\"filter bars by path\">\n<div id=\"timeline\"></div>\n<h2>Failures</h2><div id=\"failures\"></div>\n"
       "<noscript>The timeline and failures need JavaScript.</noscript>\n"
       "<script type=\"application/json\" id=\"data\">";
  h += script_safe_json(page_data(result));
  h += "</script>\n<script>";
  h += kScript;
  h += "</script>\n</body></html>\n";
  return h;
}

std::string write_html_report(const RunResult& result, const std::string& path) {
  std::string text = html_report(result);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  return "";
}

}  // namespace dt
