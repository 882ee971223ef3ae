package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// promValue evaluates a PromQL expression that yields one sample on the Prometheus at
// base, as someone checking the cluster's dashboards would.
func promValue(base, query string) (float64, error) {
	body, err := httpGet(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, err
	}
	var resp struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		return 0, fmt.Errorf("decode %s: %w", query, err)
	}
	if len(resp.Data.Result) != 1 {
		return 0, fmt.Errorf("%s: %d samples, want 1", query, len(resp.Data.Result))
	}
	str, _ := resp.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(str, 64)
}
