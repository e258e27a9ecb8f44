#!/usr/bin/env python3
"""Import cycles between the crate's top-level modules.

Reads every `crate::NAME` path in src/ (use lines and inline paths, not
comments), maps each file to its top-level module (src/git/walk.rs -> git),
and prints each strongly connected group of modules with one file:line per
edge inside it. Exits 1 when there is a cycle.

    python3 tools/module_cycles.py
"""
import re,os,sys,collections
src=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
mods=set()
files=collections.defaultdict(list)
for root,_,fs in os.walk(src):
    for f in fs:
        if not f.endswith('.rs'): continue
        p=os.path.join(root,f); rel=os.path.relpath(p,src)
        top=rel.split('/')[0].removesuffix('.rs')
        if top in ('lib','main'): continue
        mods.add(top); files[top].append(p)
edges=collections.defaultdict(dict)
for m,ps in files.items():
    for p in ps:
        for ln,line in enumerate(open(p),1):
            t=line.strip()
            if t.startswith('//'): continue
            for mm in re.finditer(r'crate::(\{[^}]*\}|\w+)',line):
                g=mm.group(1)
                names=[x.strip().split('::')[0] for x in g.strip('{}').split(',')] if g.startswith('{') else [g]
                for n in names:
                    n=n.strip()
                    if n in mods and n!=m: edges[m].setdefault(n,f"{p}:{ln}")
# find cycles via SCC
idx={};low={};st=[];on=set();res=[];c=[0]
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: res.append(comp)
sys.setrecursionlimit(10000)
for v in sorted(mods):
    if v not in idx: sc(v)
for comp in res:
    print("SCC:",sorted(comp))
    for a in comp:
        for b,where in edges[a].items():
            if b in comp: print("  ",a,"->",b,os.path.relpath(where, os.path.join(src, "..")))
sys.exit(1 if res else 0)
