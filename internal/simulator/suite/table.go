package suite

import (
	"fmt"
	"io"
	"strings"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// tableHeader names the suite table's columns.
func tableHeader() []string {
	return []string{"scenario", "policy", "setting", "SLO attainment", "meets", "cost", "× oracle", "actions", "reversals", "reaction s (decide/ready)", "lead s (decide/ready)", "behind load min"}
}

// tableRows are the suite table's rows: per scenario, every policy's rows.
func (r *Result) tableRows() [][]string {
	var rows [][]string
	for si := range r.Scenarios {
		s := &r.Scenarios[si]
		for pi := range s.Policies {
			for _, row := range s.Policies[pi].Rows() {
				rows = append(rows, rowCells(s.Name, row))
			}
		}
	}
	return rows
}

// rowCells formats one row.
func rowCells(scenario string, row *Row) []string {
	p := &row.Result
	setting := row.SettingText
	switch {
	case row.CannotMeet:
		setting = "cannot meet (best at " + setting + ")"
	case row.Unsettled:
		setting = "cheapest found at " + setting + " (search unsettled)"
	}
	if setting == "" {
		setting = "-"
	}
	ratio := "-"
	if p.CostRatio > 0 {
		ratio = fmt.Sprintf("%.2f", p.CostRatio)
	}
	meets := "no"
	if p.MeetsSLO {
		meets = "yes"
	}
	return []string{scenario, row.Label, setting, fmt.Sprintf("%.2f%%", 100*p.Attainment), meets, fmt.Sprintf("%.2f", p.Cost), ratio,
		fmt.Sprintf("%d", p.ScaleActions), fmt.Sprintf("%d", p.Reversals), simulator.ReactionSummary(p.Reactions), simulator.LeadSummary(p.Reactions),
		simulator.BehindSummary(p)}
}

// WriteTable prints the suite table as aligned text, then the headline.
func (r *Result) WriteTable(w io.Writer) error {
	rows := append([][]string{tableHeader()}, r.tableRows()...)
	if err := simulator.WriteAligned(w, rows); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return simulator.WriteAligned(w, append([][]string{headlineHeader()}, r.headlineRows()...))
}

// WriteMarkdown prints the suite table, the per-model and per-class attainment of
// scenarios that have several, and the headline, as Markdown for the docs.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	markdownTable(&b, tableHeader(), r.tableRows())
	for si := range r.Scenarios {
		if h, rows := r.Scenarios[si].breakdown(); len(rows) > 0 {
			fmt.Fprintf(&b, "\nAttainment per model, then per class in brackets, %s (each class against its own SLO; ✗ below its target):\n\n", r.Scenarios[si].Name)
			markdownTable(&b, h, rows)
		}
	}
	b.WriteString("\nHeadline (cost at SLO):\n\n")
	markdownTable(&b, headlineHeader(), r.headlineRows())
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// markdownTable writes one Markdown table.
func markdownTable(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
}

// breakdown is the per-model attainment of every row, each model's cell followed by its
// classes' in brackets, for scenarios with several models or with classes; no rows
// otherwise.
func (s *ScenarioResult) breakdown() ([]string, [][]string) {
	if len(s.Policies) == 0 {
		return nil, nil
	}
	first := &s.Policies[0].Default.Result
	if len(first.Models) < 2 && len(first.Classes) == 0 {
		return nil, nil
	}
	header := []string{"policy"}
	for _, m := range first.Models {
		var classes []string
		for _, c := range first.Classes {
			if c.Model == m.Model {
				classes = append(classes, fmt.Sprintf("%s p%d", c.Class, c.Priority))
			}
		}
		h := m.Model
		if len(classes) > 0 {
			h += " (" + strings.Join(classes, " / ") + ")"
		}
		header = append(header, h)
	}
	var rows [][]string
	for pi := range s.Policies {
		for _, row := range s.Policies[pi].Rows() {
			cells := []string{row.Label}
			for _, m := range row.Result.Models {
				cell := attainmentCell(m.Attainment, m.MeetsTarget)
				var classes []string
				for _, c := range row.Result.Classes {
					if c.Model == m.Model {
						classes = append(classes, attainmentCell(c.Attainment, c.MeetsTarget))
					}
				}
				if len(classes) > 0 {
					cell += " (" + strings.Join(classes, " / ") + ")"
				}
				cells = append(cells, cell)
			}
			rows = append(rows, cells)
		}
	}
	return header, rows
}

// attainmentCell prints an attainment, marked when it misses its target.
func attainmentCell(att float64, meets bool) string {
	if meets {
		return fmt.Sprintf("%.1f%%", 100*att)
	}
	return fmt.Sprintf("%.1f%% ✗", 100*att)
}

// headlineHeader names the headline's columns.
func headlineHeader() []string {
	return []string{"scenario", "best WVA mode", "best baseline", "oracle"}
}

// headlineRows give per scenario the cheapest row meeting the target among WVA's modes
// and among the baselines, and the oracle, as cost (× oracle).
func (r *Result) headlineRows() [][]string {
	var rows [][]string
	for si := range r.Scenarios {
		s := &r.Scenarios[si]
		oracle := "none"
		if o := s.Oracle(); o != nil {
			oracle = costCell(o)
			if o.CannotMeet || !o.Result.MeetsSLO {
				oracle = "misses the target"
			}
		}
		rows = append(rows, []string{s.Name, s.best("wva"), s.best("baseline"), oracle})
	}
	return rows
}

// best is the cheapest row of the family meeting the target, else the row with the
// best attainment, labelled as missing.
func (s *ScenarioResult) best(family string) string {
	var cheapest, closest *Row
	for pi := range s.Policies {
		if Family(s.Policies[pi].Type) != family {
			continue
		}
		for _, row := range s.Policies[pi].Rows() {
			if row.Result.MeetsSLO && (cheapest == nil || row.Result.Cost < cheapest.Result.Cost) {
				cheapest = row
			}
			if closest == nil || row.Result.Attainment > closest.Result.Attainment {
				closest = row
			}
		}
	}
	switch {
	case cheapest != nil:
		return cheapest.Label + ": " + costCell(cheapest)
	case closest != nil:
		return fmt.Sprintf("none meets (best %s %.1f%%)", closest.Label, 100*closest.Result.Attainment)
	}
	return "-"
}

// costCell prints a row's cost and ratio.
func costCell(row *Row) string {
	if row.Result.CostRatio > 0 {
		return fmt.Sprintf("%.2f (%.2f×)", row.Result.Cost, row.Result.CostRatio)
	}
	return fmt.Sprintf("%.2f", row.Result.Cost)
}
