#!/usr/bin/env python3
"""Test oracle for taskbuilder's PLD accountant: the reference re-implementation of dp_accounting 0.4.3's
PLD accounting and calibration from behavior.md Appendix C (numpy/scipy only, no dp_accounting import), which
reproduces dp_accounting bit for bit. Used only by tests and to regenerate tests/dp/testdata/pld_grid.tsv:

  pld_oracle.py grid OUT.tsv           # the checked-in grid (minutes)
  pld_oracle.py eps RG T DELTA SIGMA [POPULATION]
  pld_oracle.py noise RG T DELTA EPS [POPULATION]
"""
import sys
# Independent re-implementation written from the spec text (no dp_accounting import)
import math, itertools
import numpy as np
from scipy import special, fft, signal, optimize
D=1e-4; TAU=1e-15; MAXSPARSE=1000
def log_a_exp_b_plus_c(a,b,c):
    if a==0: return math.log(c)
    if a<0:
        lc=math.log(c); lb=math.log(-a)+b
        if lb>=lc: raise ValueError
        return lc+math.log1p(-math.exp(lb-lc))
    if b==0: return math.log(a+c)
    d=b+math.log(a)
    if c==0: return d
    if c<0:
        lc=math.log(-c)
        if lc>=d: raise ValueError
        return d+math.log1p(-math.exp(lc-d))
    mn,mx=min(d,math.log(c)),max(d,math.log(c)); return mx+math.log1p(math.exp(mn-mx))
class GPL:
    def __init__(s,sigma,q,add): s.s=sigma; s.q=q; s.add=add
    def cdf(s,x): return special.ndtr(np.asarray(x,dtype=float)/s.s)
    def logcdf(s,x): return special.log_ndtr(np.asarray(x,dtype=float)/s.s)
    def plw(s,x): return (0.5-x)/s.s**2 if s.add else (-0.5-x)/s.s**2
    def invw(s,l): return 0.5-l*s.s**2 if s.add else -0.5-l*s.s**2
    def pl(s,x):
        w=s.plw(x)
        if s.q==1: return w
        return -log_a_exp_b_plus_c(s.q,-w,1-s.q) if s.add else log_a_exp_b_plus_c(s.q,w,1-s.q)
    def inv(s,l):
        q=s.q
        if q==1: return s.invw(l)
        if s.add:
            if math.isclose(l,-math.log(1-q)): return s.invw(math.inf)
            if l> -math.log(1-q): raise ValueError
            return s.invw(-log_a_exp_b_plus_c(1/q,-l,1-1/q))
        if math.isclose(l,math.log(1-q)): return s.invw(-math.inf)
        if l<=math.log(1-q): raise ValueError
        return s.invw(log_a_exp_b_plus_c(1/q,l,1-1/q))
    def upper_cdf(s,x):
        if s.add: return s.cdf(x)
        if s.q==1: return s.cdf(np.add(x,1))
        return (1-s.q)*s.cdf(x)+s.q*s.cdf(np.add(x,1))
    def lower_logcdf(s,x):
        if s.add:
            if s.q==1: return s.logcdf(np.add(x,-1))
            return np.logaddexp(np.log1p(-s.q)+s.logcdf(x), np.log(s.q)+s.logcdf(np.add(x,-1)))
        return s.logcdf(x)
    def deltas(s,eps):
        eps=np.asarray(eps,dtype=float); out=np.zeros_like(eps)
        if s.q==1: idx=np.full_like(eps,True,dtype=bool)
        elif s.add: idx=eps< -math.log1p(-s.q)
        else:
            idx=eps>math.log1p(-s.q); out[~idx]=-np.expm1(eps[~idx])
        xs=np.array([s.inv(e) for e in eps[idx]])
        out[idx]=s.upper_cdf(xs)-np.exp(eps[idx]+s.lower_logcdf(xs))
        return np.clip(out,0,1)
    def pmf(s):
        lo_x=s.s*special.ndtri(0.5*math.exp(-50)); up_x=-lo_x
        if s.add: up_x+=1
        else: lo_x-=1
        eu=s.pl(lo_x); el=s.pl(up_x)
        rl=math.floor(el/D); ru=math.ceil(eu/D)
        ks=np.arange(rl,ru+1); dl=s.deltas(ks*D)
        if rl==ru: return make(dict({rl:1-dl[0]}),dl[0])
        dd=np.diff(dl); p=np.zeros_like(dl)
        p[0]=1-dl[0]+dd[0]/math.expm1(D)
        p[1:-1]=(dd[1:]-dd[:-1]*math.exp(D))/math.expm1(D)
        p[-1]=dd[-1]/math.expm1(-D)
        p=np.maximum(0.0,p)
        return make(dict(zip(range(rl,ru+1),p)),dl[-1])
# PMF representation: ('S', dict, inf) or ('D', lower, probs, inf)
def make(d,inf):
    if len(d)<=MAXSPARSE: return ('S',d,inf)
    lo=min(d); hi=max(d); arr=[d.get(k,0.0) for k in range(lo,hi+1)]
    return ('D',lo,np.array(arr),inf)
def to_dense(p):
    if p[0]=='D': return p
    d=p[1]; lo=min(d); hi=max(d); return ('D',lo,np.array([d.get(k,0.0) for k in range(lo,hi+1)]),p[2])
def size(p): return len(p[1]) if p[0]=='S' else len(p[2])
def trunc(probs,tau):
    if tau==0: return 0,probs,0
    def pre(a,th):
        s=0
        for i,v in enumerate(a):
            s+=v
            if s>th: return i
        return len(a)
    l=pre(probs,tau/2); r=len(probs)-pre(probs[::-1],tau/2); r=max(r,l+1)
    lm=np.sum(probs[:l]); rm=np.sum(probs[r:])
    t=probs[l:r]; t[0]+=lm; return l,t,rm
def compose(a,b,tau):
    if a[0]=='S' and b[0]=='S' and size(a)*size(b)<=MAXSPARSE:
        conv={}
        for k1,v1 in a[1].items():
            for k2,v2 in b[1].items(): conv[k1+k2]=conv.get(k1+k2,0.0)+v1*v2
        inf=a[2]+b[2]-a[2]*b[2]
        ks=sorted(conv); pr=[conv[k] for k in ks]
        off,pr,rm=trunc(pr,tau); ks=ks[off:off+len(pr)]
        return ('S',dict(zip(ks,pr)),inf+rm)
    a=to_dense(a); b=to_dense(b)
    pr=signal.fftconvolve(a[2],b[2]); inf=a[3]+b[3]-a[3]*b[3]
    off,pr,rm=trunc(pr,tau)
    return ('D',a[1]+b[1]+off,pr,inf+rm)
def self_compose(p,T,tau):
    if p[0]=='S':
        if T==1: return p
        if size(p)**T<=MAXSPARSE:
            r=p
            for i in range(2,T+1): r=compose(r,p,0 if i!=T else tau)
            return r
        p=to_dense(p)
    lo,probs,inf=p[1],p[2],p[3]; n=len(probs)
    up=(n-1)*T; low=0
    orders=np.concatenate((np.arange(-20,0),np.arange(1,21)))/n
    for o in orders:
        lm=special.logsumexp(np.arange(n)*o,b=probs)
        bd=(T*lm+math.log(2/tau))/o
        if o>0: up=min(up,math.ceil(bd))
        if o<0: low=max(low,math.floor(bd))
    L=up-low+1; fl=fft.next_fast_len(max(L,n))
    y=np.real(fft.ifft(fft.fft(probs,fl)**T)); out=np.roll(y,-low)[:L]
    return ('D',lo*T+low,np.array(out),tau-math.expm1(T*math.log1p(-inf)))
def eps_for_delta(p,delta):
    inf=p[2] if p[0]=='S' else p[3]
    if p[0]=='S':
        ks=sorted(p[1]); losses=[k*D for k in ks][::-1]; probs=[p[1][k] for k in ks][::-1]
    else:
        upl=(p[1]+len(p[2])-1)*D; losses=itertools.count(upl,-D); probs=np.flip(p[2])
    if inf>delta: return math.inf
    mu,ml=inf,0
    for l,pr in zip(losses,probs):
        if mu>delta and ml>0 and math.log((mu-delta)/ml)>=l: break
        mu+=pr; ml+=math.exp(-l)*pr
        if mu>=delta and ml==0: return max(0,l)
    if mu<=ml+delta: return 0
    return math.log((mu-delta)/ml)
def n2e_pld(rg,T,delta,sigma):
    if T==0: return 0
    q=rg/POPULATION[0]
    if q==0: return 0
    if sigma==0: return math.inf
    ident=('S',{0:1},0)
    rem=GPL(sigma,q,False).pmf()
    res_r=compose(ident,self_compose(rem,T,TAU),TAU)
    if q==1: return eps_for_delta(res_r,delta)
    add=GPL(sigma,q,True).pmf()
    res_a=compose(ident,self_compose(add,T,TAU),TAU)
    return max(eps_for_delta(res_r,delta),eps_for_delta(res_a,delta))
if False:  # (the reference's own self-check against its vector file)
    import sys
    bad=0; n=0
    for line in open('run3.out'):
        f=line.split()
        if f[1]!='FIXED': continue
        rg,T,delta,sigma,exp=int(f[2]),int(f[3]),float(f[4]),float(f[5]),float(f[6])
        got=n2e_pld(rg,T,delta,sigma); n+=1
        if got!=exp:
            bad+=1; print('DIFF',rg,T,delta,sigma,exp,got, abs(got-exp))
    print('checked',n,'mismatches',bad)

# --- calibration (mirrors mechanism_calibration.calibrate_dp_mechanism with default args) ---
from scipy import optimize
def calibrate(f_eps, target, tol=1e-6):
    gap_fn = lambda x: f_eps(x) - target
    lo, hi = 0.0, 1.0; lv, hv = gap_fn(lo), gap_fn(hi); gap = hi - lo; tries = 0
    while lv * hv > 0:
        tries += 1
        if tries > 30: raise RuntimeError('NoBracketIntervalFoundError')
        gap *= 2; lo, hi = hi, hi + gap; lv, hv = hv, gap_fn(hi)
    root, res = optimize.brentq(gap_fn, lo, hi, xtol=tol, full_output=True)
    if not res.converged: raise RuntimeError('NoOptimumFoundError')
    if gap_fn(root) > 0:
        if gap_fn(root + tol) < 0: root += tol
        elif gap_fn(root - tol) < 0: root -= tol
        else: raise RuntimeError('NoOptimumFoundError')
    return root
# epsilon_to_noise(FIXED) == calibrate(lambda s: n2e_pld(report_goal, T, delta, s), target_eps)

POPULATION = [3000000]

# Grid: report goals x rounds x deltas x noise multipliers (FIXED_GAUSSIAN / PLD).
GRID_REPORT_GOALS = [100, 2000, 30000]
GRID_ROUNDS = [1, 10, 100, 1000]
GRID_DELTAS = [1e-5, 1e-6, 1.0 / 3e6]
GRID_SIGMAS = [0.7, 1.0, 2.0, 5.0]
# A few calibrations (report_goal, rounds, delta, target epsilon) that Python can afford.
GRID_CALIBRATIONS = [(2000, 10, 1e-6, 2.0), (30000, 100, 1e-6, 8.0), (100, 1000, 1e-5, 1.0)]


def main(argv):
    if len(argv) >= 2 and argv[1] == 'grid':
        with open(argv[2], 'w') as out:
            out.write('# kind\treport_goal\trounds\tdelta\tparameter\texpected (float repr), from tests/dp/oracle/pld_oracle.py\n')
            for rg in GRID_REPORT_GOALS:
                for t in GRID_ROUNDS:
                    for d in GRID_DELTAS:
                        for s in GRID_SIGMAS:
                            out.write('eps\t%d\t%d\t%r\t%r\t%r\n' % (rg, t, d, s, n2e_pld(rg, t, d, s)))
                            out.flush()
            for rg, t, d, e in GRID_CALIBRATIONS:
                out.write('noise\t%d\t%d\t%r\t%r\t%r\n' % (rg, t, d, e, calibrate(lambda s: n2e_pld(rg, t, d, s), e)))
        return 0
    if len(argv) >= 6 and argv[1] in ('eps', 'noise'):
        rg, t, d, v = int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5])
        if len(argv) > 6:
            POPULATION[0] = int(argv[6])
        if argv[1] == 'eps':
            print(repr(n2e_pld(rg, t, d, v)))
        else:
            print(repr(calibrate(lambda s: n2e_pld(rg, t, d, s), v)))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
