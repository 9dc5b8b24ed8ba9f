// promlint: the checks of `promtool check metrics` and `promtool check rules`, without building
// promtool. Built from the Go module proxy by infra/local/promlint.sh.
//
//	promlint metrics < exposition.txt   problems of a /metrics scrape (client_golang's promlint), one a line
//	promlint metrics --json < exp.txt   the same, with the metric families as Prometheus's parser reads them, as JSON
//	promlint rules FILE...               problems of alerting/recording rule files (Prometheus's rulefmt)
//
// Exit status: 0 no problem, 1 problems printed, 2 usage or read error.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"
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
		os.Exit(lintMetrics(len(os.Args) > 2 && os.Args[2] == "--json"))
	case "rules":
		os.Exit(lintRules(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "promlint: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

type family struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Help    string   `json:"help"`
	Samples int      `json:"samples"`
	Labels  []string `json:"labels"`
}

type problem struct {
	Metric string `json:"metric"`
	Text   string `json:"text"`
}

func lintMetrics(asJSON bool) int {
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "promlint: %v\n", err)
		return 2
	}
	found, err := promlint.New(bytes.NewReader(text)).Lint()
	if err != nil {
		fmt.Fprintf(os.Stderr, "promlint: cannot parse the exposition: %v\n", err)
		return 2
	}
	problems := make([]problem, 0, len(found))
	for _, p := range found {
		problems = append(problems, problem{p.Metric, p.Text})
	}
	if asJSON {
		parser := expfmt.NewTextParser(model.LegacyValidation)
		parsed, err := parser.TextToMetricFamilies(bytes.NewReader(text))
		if err != nil {
			fmt.Fprintf(os.Stderr, "promlint: cannot parse the exposition: %v\n", err)
			return 2
		}
		families := make([]family, 0, len(parsed))
		for name, mf := range parsed {
			seen := map[string]bool{}
			labels := []string{}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if !seen[l.GetName()] {
						seen[l.GetName()] = true
						labels = append(labels, l.GetName())
					}
				}
			}
			sort.Strings(labels)
			families = append(families, family{name, mf.GetType().String(), mf.GetHelp(), len(mf.GetMetric()), labels})
		}
		sort.Slice(families, func(i, j int) bool { return families[i].Name < families[j].Name })
		out, _ := json.Marshal(map[string]any{"families": families, "problems": problems})
		fmt.Println(string(out))
	} else {
		for _, p := range problems {
			fmt.Printf("%s: %s\n", p.Metric, p.Text)
		}
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
