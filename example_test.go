package hmcc_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"strings"

	"github.com/hmcc-dev/hmcc"
)

const eightSchools = `
data y[J]     = column "y"
data sigma[J] = column "sigma"

param mu           ~ Normal(0, 5)
param tau          ~ HalfCauchy(5)
param theta_raw[J] ~ Normal(0, 1)

let theta = mu + tau * theta_raw
y ~ Normal(theta, sigma)
`

// Compile a model from a string with its data held in memory, and list what it samples.
func ExampleCompile() {
	data := hmcc.Values("schools", map[string]any{
		"y":     []float64{28, 8, -3, 7, -1, 1, 18, 12},
		"sigma": []float64{15, 10, 16, 11, 9, 11, 10, 18},
	})
	m, err := hmcc.Compile("eight_schools.model", eightSchools, data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("parameters:", m.Params())
	fmt.Println("unconstrained dimension:", m.Dim())
	fmt.Println("first columns:", m.Names()[:4])
	// Output:
	// parameters: [mu tau theta_raw]
	// unconstrained dimension: 10
	// first columns: [mu tau theta_raw.1 theta_raw.2]
}

// Compile reads CSV from any io.Reader; a model's from "name" picks a table by its name.
func ExampleCSV() {
	csv := "school,y,sigma\nA,28,15\nB,8,10\nC,-3,16\n"
	m, err := hmcc.Compile("eight_schools.model", eightSchools, hmcc.CSV("schools.csv", strings.NewReader(csv)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Dim())
	// Output: 5
}

// Sample a normal mean with a seeded run and read the draws back from memory. The posterior
// of mu is Normal(2.997, 0.316²) (conjugate: prior Normal(0, 10), ten observations of mean 3 and
// known sd 1); four chains of 1000 draws put its Monte Carlo error near 0.01, so the rounded
// mean below does not depend on the machine or the number of threads.
func ExampleModel_Sample() {
	const model = `
data y[N] = column "y"
param mu ~ Normal(0, 10)
y ~ Normal(mu, 1)
`
	y := []float64{2.1, 3.4, 2.8, 3.9, 2.2, 3.1, 3.6, 2.5, 3.3, 3.1} // mean 3
	m, err := hmcc.Compile("normal.model", model, hmcc.Values("obs", map[string]any{"y": y}))
	if err != nil {
		log.Fatal(err)
	}
	fit, err := m.Sample(context.Background(), hmcc.Target{Chains: 4, Threads: 2}, hmcc.Config{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer fit.Close()
	mu, err := fit.Draws("mu")
	if err != nil {
		log.Fatal(err)
	}
	sum, n := 0.0, 0
	for _, chain := range mu {
		for _, v := range chain {
			sum += v
			n++
		}
	}
	fmt.Printf("%d chains, %d draws each\n", len(mu), len(mu[0]))
	fmt.Printf("posterior mean of mu: %.1f\n", math.Round(sum/float64(n)*10)/10)
	// Output:
	// 4 chains, 1000 draws each
	// posterior mean of mu: 3.0
}

// Find the mode of a Poisson rate with a Gamma(3, 2) prior given ten counts summing to 50: the
// posterior is Gamma(53, 12), whose density has its mode at 52/12 (on λ's own scale, without the
// Jacobian) and whose density of log λ has it at 53/12 (with the Jacobian).
func ExampleModel_Optimize() {
	src := "data y[N] = column \"y\"\nparam lambda ~ Gamma(3, 2)\ny ~ Poisson(lambda)\n"
	data := hmcc.Values("counts", map[string]any{"y": []float64{3, 7, 5, 4, 6, 5, 2, 8, 5, 5}})
	m, err := hmcc.Compile("poisson.model", src, data)
	if err != nil {
		log.Fatal(err)
	}
	for _, jacobian := range []bool{false, true} {
		mode, err := m.Optimize(hmcc.OptimizeConfig{Jacobian: jacobian, Seed: 1}) // no Output.Dir: no files
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("jacobian %v: lambda %.4f, converged %v\n", jacobian, mode.Values[0], mode.Converged)
	}
	// Output:
	// jacobian false: lambda 4.3333, converged true
	// jacobian true: lambda 4.4167, converged true
}
