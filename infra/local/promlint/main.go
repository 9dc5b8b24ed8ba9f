// promlint: the checks of `promtool check metrics` and `promtool check rules`, without building
// promtool. Built from the Go module proxy by infra/local/promlint.sh.
//
//	promlint metrics < exposition.txt   problems of a /metrics scrape (client_golang's promlint), one a line
//	promlint rules FILE...               problems of alerting/recording rule files (Prometheus's rulefmt)
//
// Exit status: 0 no problem, 1 problems printed, 2 usage or read error.
package main

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: promlint metrics < exposition | promlint rules FILE...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "metrics":
		os.Exit(lintMetrics())
	case "rules":
		os.Exit(lintRules(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "promlint: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func lintMetrics() int {
	problems, err := promlint.New(os.Stdin).Lint()
	if err != nil {
		fmt.Fprintf(os.Stderr, "promlint: cannot parse the exposition: %v\n", err)
		return 2
	}
	for _, p := range problems {
		fmt.Printf("%s: %s\n", p.Metric, p.Text)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}

func lintRules(files []string) int {
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: promlint rules FILE...")
		return 2
	}
	status := 0
	for _, file := range files {
		groups, errs := rulefmt.ParseFile(file, false, model.LegacyValidation)
		for _, err := range errs {
			fmt.Printf("%s: %v\n", file, err)
			status = 1
		}
		if len(errs) == 0 {
			n := 0
			for _, g := range groups.Groups {
				n += len(g.Rules)
			}
			fmt.Fprintf(os.Stderr, "%s: %d groups, %d rules\n", file, len(groups.Groups), n)
		}
	}
	return status
}
