package ir

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
)

// Pointwise evaluates the log density of each element of the term's variate for one chain: the
// pointwise log-likelihood that LOO and WAIC need (one value per observation, scalars
// broadcast). A mixture's element is log Σₖ wₖ p(x | argsₖ). A distribution of vectors has one
// value for the whole vector.
func (t *Term) Pointwise(env *Env) ([]float64, error) {
	x, err := Eval(t.Variate, env)
	if err != nil {
		return nil, err
	}
	args := make([]*Tensor, len(t.Args))
	for i, a := range t.Args {
		if args[i], err = Eval(a, env); err != nil {
			return nil, err
		}
	}
	if t.Weights == nil && t.Dist.Multi != nil { // one value per row of K
		vp := make([][]float64, len(args))
		for i, a := range args {
			vp[i] = a.Data
		}
		K := MultiK(x)
		if t.Dist.Multi.VariateRank == 2 {
			return []float64{t.Dist.Multi.LogDensity(x.Data, K, vp, nil, nil)}, nil
		}
		out := make([]float64, len(x.Data)/K)
		for r := range out {
			out[r] = t.Dist.Multi.LogDensity(x.Data[r*K:(r+1)*K], K, vp, nil, nil)
		}
		return out, nil
	}
	if t.Weights == nil {
		if t.Dist.Vector {
			lp, err := t.LogDensity(env)
			return []float64{lp}, err
		}
		n := len(x.Data)
		for _, a := range args {
			n = max(n, len(a.Data))
		}
		out := make([]float64, n)
		p := make([]float64, len(args))
		for j := range out {
			for i, a := range args {
				p[i] = a.Data[j%len(a.Data)]
			}
			out[j] = t.Dist.LogDensity(x.Data[j%len(x.Data)], p, nil)
		}
		return out, nil
	}
	w, err := Eval(t.Weights, env)
	if err != nil {
		return nil, err
	}
	if t.Components != nil {
		return t.pointwiseOf(x, w, env)
	}
	weights := w.Data
	if len(w.Shape) == 0 { // θ weighs two components θ and 1 − θ
		weights = []float64{w.Data[0], 1 - w.Data[0]}
	}
	K := len(weights)
	for i, a := range args {
		if len(a.Data) != 1 && len(a.Data) != K {
			return nil, fmt.Errorf("mixture argument %s has %d values for %d components", t.Dist.Params[i].Name, len(a.Data), K)
		}
	}
	out := make([]float64, len(x.Data))
	p := make([]float64, len(args))
	lp := make([]float64, K)
	for j, v := range x.Data {
		for k := range lp {
			for i, a := range args {
				p[i] = a.Data[k%len(a.Data)]
			}
			lp[k] = math.Log(weights[k]) + t.Dist.LogDensity(v, p, nil)
		}
		out[j] = dist.LogSumExp(lp)
	}
	return out, nil
}

// pointwiseOf is Pointwise for components written out one by one.
func (t *Term) pointwiseOf(x, w *Tensor, env *Env) ([]float64, error) {
	K := len(t.Components)
	weights := w.Data
	if len(w.Shape) == 0 {
		weights = []float64{w.Data[0], 1 - w.Data[0]}
	}
	if len(weights) != K {
		return nil, fmt.Errorf("%d weights for %d components", len(weights), K)
	}
	args := make([][]*Tensor, K)
	for k, c := range t.Components {
		for _, a := range c.Args {
			v, err := Eval(a, env)
			if err != nil {
				return nil, err
			}
			args[k] = append(args[k], v)
		}
	}
	out := make([]float64, len(x.Data))
	lp := make([]float64, K)
	for j, v := range x.Data {
		for k, c := range t.Components {
			p := make([]float64, len(args[k]))
			for i, a := range args[k] {
				p[i] = a.Data[j%len(a.Data)]
			}
			lp[k] = math.Log(weights[k]) + c.Dist.LogDensity(v, p, nil)
		}
		out[j] = dist.LogSumExp(lp)
	}
	return out, nil
}
