package e2e

import (
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// switchProxy is a stable address in front of a Prometheus that can be stopped and
// started again on a new port: WVA's PROMETHEUS_BASE_URL is immutable, so an outage
// needs the address to survive. While down, it does not listen at all, so clients get
// "connection refused", as they would from a stopped Prometheus.
type switchProxy struct {
	addr string
	mu   sync.Mutex
	ln   net.Listener
	to   string
	wg   sync.WaitGroup
}

// newSwitchProxy reserves an address; it starts down.
func newSwitchProxy(t *testing.T) *switchProxy {
	t.Helper()
	p := &switchProxy{addr: "127.0.0.1:" + itoa(freePort(t))}
	t.Cleanup(p.down)
	return p
}

// URL is the stable base URL to give WVA.
func (p *switchProxy) URL() string { return "http://" + p.addr }

// up starts forwarding to the Prometheus at targetURL.
func (p *switchProxy) up(t *testing.T, targetURL string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.to = strings.TrimPrefix(targetURL, "http://")
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c, p.to)
		}
	}()
}

// down stops listening; connections in flight end when their peers close.
func (p *switchProxy) down() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
		p.wg.Wait()
	}
}

func (p *switchProxy) forward(c net.Conn, to string) {
	defer func() { _ = c.Close() }()
	u, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer func() { _ = u.Close() }()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(u, c)
	go cp(c, u)
	<-done
}

func itoa(n int) string { return strconv.Itoa(n) }
