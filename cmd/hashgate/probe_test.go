package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ready.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()
	for _, tt := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{ready.URL + "/readyz"}, 0, ""},
		{[]string{ready.URL + "/other"}, 1, "503 Service Unavailable"},
		{[]string{closed}, 1, "connection refused"},
		{[]string{"a", "b"}, exitUsage, "unexpected argument"},
	} {
		var out, errOut bytes.Buffer
		if code := runProbe(context.Background(), tt.args, &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.err) {
			t.Errorf("probe %v = %d %q, want %d and %q", tt.args, code, errOut.String(), tt.code, tt.err)
		}
	}
}
