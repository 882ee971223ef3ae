package gateway

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueMetric is the name the llm-d inference gateway gives its per-model flow-control
// queue; WVA's scale-from-zero reads it.
const QueueMetric = "inference_extension_flow_control_queue_size"

// queue counts requests waiting for a Ready replica, per model, with a bound.
type queue struct {
	mu      sync.Mutex
	waiting map[string]int
	max     int
	gauge   *prometheus.GaugeVec
}

func newQueue(max int) *queue {
	return &queue{
		waiting: map[string]int{},
		max:     max,
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: QueueMetric,
			Help: "Requests waiting in the gateway for a ready replica of their model.",
		}, []string{"target_model_name"}),
	}
}

// enter admits a request into the model's queue, or reports that the queue is full.
func (q *queue) enter(model string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting[model] >= q.max {
		return false
	}
	q.waiting[model]++
	q.gauge.WithLabelValues(model).Set(float64(q.waiting[model]))
	return true
}

// leave takes a request out of the model's queue.
func (q *queue) leave(model string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting[model]--
	q.gauge.WithLabelValues(model).Set(float64(q.waiting[model]))
}
