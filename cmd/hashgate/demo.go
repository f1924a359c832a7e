package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/hashgate/hashgate/edge"
	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/media"
	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/oblivious"
	"github.com/hashgate/hashgate/release"
)

// demoReleaseKey keys the demo's filter. It is fixed so that the filter, and
// so every verdict the demo page gives, is the same on every run: with a
// fresh key a clean photo is a false candidate (and triggers a verify
// request) in about 0.4% of runs. A real release takes a fresh random key
// per epoch (release.BuildOptions.ReleaseKey), so that epochs share no bits.
var demoReleaseKey = sha256.Sum256([]byte("hashgate demo: a fixed release key, never for real lists"))

const demoSummary = "serve a demo: a throwaway release of testdata/demo, an edge, and the web checker"

// demoOptions are the flags of `hashgate demo`.
type demoOptions struct {
	addr, wasm, web, images, videos, mode string
}

// demoAbout is the description `hashgate demo --help` prints.
const demoAbout = `
Makes a throwaway release at start (fresh signing and edge keys in a
temporary folder, a fixed filter key so every run gives the same verdicts;
the images under testdata/demo/listed as the hash list),
starts an edge with it, and serves the demo page, the browser SDK and the
checker module on one origin. Open the printed URL and drop images on it.

--mode oblivious makes the release oblivious (filter keys only through the
edge's POST /v1/oprf, a fresh VOPRF key) and serves the oblivious-capable
module, dist/hashgate-oblivious.wasm, with a budget no local user spends.`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o demoOptions
	fs := newFlags("demo", "[flags]", demoAbout, stdout, stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&o.wasm, "wasm", "", "the checker module `file` (default: dist/hashgate.wasm, or dist/hashgate-oblivious.wasm with --mode oblivious)")
	fs.StringVar(&o.mode, "mode", "open", "the release's key mode: open, or oblivious (keys only through the edge's /v1/oprf)")
	fs.StringVar(&o.web, "web", "", "the web SDK and demo page `folder` (default: web/ of the checkout)")
	fs.StringVar(&o.images, "images", "", "`folder` of images to list (default: testdata/demo/listed of the checkout)")
	fs.StringVar(&o.videos, "videos", "", "`folder` of videos to list too, hashed with FFmpeg (default: none)")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if o.mode != "open" && o.mode != "oblivious" {
		return usageErr(stderr, "demo", "--mode is open or oblivious, not "+o.mode)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hashgate demo: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if err := serveDemo(ctx, o, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "hashgate demo: %v\n", err)
		return 1
	}
	return 0
}

// findUp looks for rel in the working directory, its parents, and beside
// the executable's folder, so the demo runs from anywhere in a checkout.
func findUp(rel string) string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, rel)
			if _, err := os.Stat(p); err == nil {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return ""
}

// demoSite is what the demo serves besides the edge.
type demoSite struct {
	wasm, web, images string
	publicKeys        []byte
	log               *slog.Logger
}

func serveDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) error {
	site := demoSite{wasm: o.wasm, web: o.web, images: o.images}
	module := "hashgate.wasm"
	if o.mode == "oblivious" {
		module = "hashgate-oblivious.wasm"
	}
	if site.wasm == "" {
		site.wasm = findUp(filepath.Join("dist", module))
	}
	if site.wasm == "" {
		return errors.New("no checker module: run `make build` to build dist/" + module + ", or give --wasm PATH")
	}
	if _, err := os.Stat(site.wasm); err != nil {
		return fmt.Errorf("checker module: %w (run `make build` to build dist/%s)", err, module)
	}
	if site.web == "" {
		site.web = findUp(filepath.Join("web", "demo", "index.html"))
		if site.web != "" {
			site.web = filepath.Dir(filepath.Dir(site.web))
		}
	}
	if site.web == "" {
		return errors.New("no web/ folder with demo/index.html found: run from the checkout or give --web")
	}
	if site.images == "" {
		site.images = findUp(filepath.Join("testdata", "demo", "listed"))
	}
	if site.images == "" {
		return errors.New("no testdata/demo/listed folder found: run from the checkout or give --images")
	}
	site.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	signer, err := release.GenerateSigner(nil)
	if err != nil {
		return err
	}
	edgeKey, err := release.GenerateEdgeKey(nil)
	if err != nil {
		return err
	}
	entries, names, err := demoEntries(site.images)
	if err != nil {
		return err
	}
	if o.videos != "" {
		ve, vn, err := demoVideoEntries(ctx, o.videos)
		if err != nil {
			return fmt.Errorf("listing videos: %w", err)
		}
		entries, names = append(entries, ve...), append(names, vn...)
	}
	bo := release.BuildOptions{
		Channel: "demo", Version: 1, TTL: 7 * 24 * time.Hour, Signer: signer,
		Recipients: []release.PublicKey{edgeKey.Public()},
		ReleaseKey: demoReleaseKey,
	}
	if o.mode == "oblivious" {
		bo.ReleaseKey = [32]byte{}
		bo.Layout = release.DefaultObliviousLayout
		if bo.OPRFKey, err = oblivious.GenerateKey(nil); err != nil {
			return err
		}
	}
	bundle, err := release.Build(entries, bo)
	if err != nil {
		return fmt.Errorf("building the demo release: %w", err)
	}
	// The keys and release also go to a temporary folder, so they can be
	// inspected with the other commands while the demo runs.
	tmp, err := os.MkdirTemp("", "hashgate-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	site.publicKeys = release.MarshalPublicKeys(signer.Public())
	if err := os.WriteFile(filepath.Join(tmp, "publisher.pub"), site.publicKeys, 0o644); err != nil {
		return err
	}
	if err := release.WriteDir(filepath.Join(tmp, "release"), bundle); err != nil {
		return err
	}

	cfg := edge.DefaultConfig()
	cfg.Logger = site.log
	cfg.RatePerSecond = 0  // one local user; tests check many files quickly
	cfg.OPRF.PerSecond = 0 // no evaluation budget either (oblivious mode)
	srv, err := edge.New(cfg)
	if err != nil {
		return err
	}
	snap, err := edge.NewReleaseVerifier(signer.Trust(), edgeKey, match.DefaultOptions()).Verify(ctx, bundle, 0, time.Now())
	if err != nil {
		return fmt.Errorf("the edge refused the demo release: %w", err)
	}
	srv.Load(snap)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	hs := &fasthttp.Server{
		Handler:            site.handler(srv.Handler()),
		MaxRequestBodySize: cfg.MaxBodyBytes,
		ReadTimeout:        cfg.ReadTimeout,
		WriteTimeout:       cfg.WriteTimeout,
		Name:               "hashgate-demo",
	}
	fmt.Fprintf(stdout, "hashgate demo: %d listed files (%s), release version 1 in %s\n",
		len(names), strings.Join(names, ", "), filepath.Join(tmp, "release"))
	fmt.Fprintf(stdout, "hashgate demo: open http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return hs.ShutdownWithContext(context.WithoutCancel(ctx))
	}
}

// demoEntries fingerprints every image in dir into list entries: PDQ,
// pHash, SHA-256 and MD5 of each, labelled with the file name.
func demoEntries(dir string) ([]release.ListEntry, []string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var entries []release.ListEntry
	var names []string
	for _, de := range des {
		if de.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			return nil, nil, err
		}
		f, err := media.FingerprintBytes(b, media.Options{})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", de.Name(), err)
		}
		labels := []string{"demo:" + strings.TrimSuffix(de.Name(), filepath.Ext(de.Name()))}
		var ph [8]byte
		for i := range ph {
			ph[i] = byte(uint64(f.PHash) >> (56 - 8*i))
		}
		for _, e := range []release.ListEntry{
			{Kind: fingerprint.KindPDQ, Value: f.PDQ[:]},
			{Kind: fingerprint.KindPHash, Value: ph[:]},
			{Kind: fingerprint.KindSHA256, Value: f.SHA256[:]},
			{Kind: fingerprint.KindMD5, Value: f.MD5[:]},
		} {
			e.Labels, e.Source, e.Added = labels, "hashgate demo", time.Now().UTC().Truncate(time.Second)
			entries = append(entries, e)
		}
		names = append(names, de.Name())
	}
	if len(names) == 0 {
		return nil, nil, errors.New("no images in " + dir)
	}
	return entries, names, nil
}

// handler serves the edge's API and the demo's own files on one origin:
//
//	/v1/*, /healthz, /readyz, /metrics   the edge
//	/                                    web/demo/index.html
//	/demo/*, /src/*                      web/demo, web/src
//	/node_modules/mediabunny/dist/*      the video demuxer (npm ci in web/)
//	/hashgate.wasm                       the checker module
//	/keys.pub                            the demo publisher's public keys
//	POST /demo/api/fingerprint           the edge's own fingerprints of a file
//	POST /demo/api/upload                the demo's upload target (discards)
func (s *demoSite) handler(edgeHandler fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		p := string(ctx.Path())
		switch {
		case strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/metrics":
			edgeHandler(ctx)
		case p == "/demo/api/fingerprint" && ctx.IsPost():
			s.fingerprint(ctx)
		case p == "/demo/api/upload" && ctx.IsPost():
			ctx.SetContentType("application/json")
			fmt.Fprintf(ctx, `{"uploaded":true,"bytes":%d}`+"\n", len(ctx.PostBody()))
		case !ctx.IsGet() && !ctx.IsHead():
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
		case p == "/":
			s.file(ctx, filepath.Join(s.web, "demo", "index.html"))
		case p == "/hashgate.wasm":
			s.file(ctx, s.wasm)
		case p == "/keys.pub":
			ctx.SetContentType("text/plain; charset=utf-8")
			ctx.SetBody(s.publicKeys)
		case strings.HasPrefix(p, "/demo/") || strings.HasPrefix(p, "/src/") || strings.HasPrefix(p, "/node_modules/mediabunny/dist/"):
			s.file(ctx, filepath.Join(s.web, filepath.FromSlash(p)))
		default:
			ctx.Error("not found", fasthttp.StatusNotFound)
		}
	}
}

// file serves one file below the roots the handler chose. fasthttp has
// already normalised the path (no "..").
func (s *demoSite) file(ctx *fasthttp.RequestCtx, path string) {
	clean := filepath.Clean(path)
	if !slices.ContainsFunc([]string{filepath.Clean(s.web), filepath.Clean(s.wasm)}, func(root string) bool {
		return clean == root || strings.HasPrefix(clean, root+string(filepath.Separator))
	}) {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	b, err := os.ReadFile(clean)
	if err != nil {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	ct := mime.TypeByExtension(filepath.Ext(clean))
	switch filepath.Ext(clean) {
	case ".js", ".mjs":
		ct = "text/javascript; charset=utf-8"
	case ".wasm":
		ct = "application/wasm"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	ctx.SetContentType(ct)
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.SetBody(b)
}

// fingerprint answers what the edge computes for a file: the demo page
// shows it beside the browser's, and the browser tests measure the distance.
func (s *demoSite) fingerprint(ctx *fasthttp.RequestCtx) {
	f, err := media.FingerprintBytes(ctx.PostBody(), media.Options{Robust: true})
	ctx.SetContentType("application/json")
	if err != nil {
		ctx.SetStatusCode(fasthttp.StatusUnprocessableEntity)
		b, _ := json.Marshal(map[string]string{"error": err.Error()})
		ctx.SetBody(b)
		return
	}
	dih := make([]string, len(f.PDQDihedral))
	for i, h := range f.PDQDihedral {
		dih[i] = h.String()
	}
	// The robust hashes in the browser's form (Fingerprints.pdqRobust):
	// every one the edge computed, whatever its quality, with its region.
	rob := []map[string]any{}
	for _, r := range f.Robust {
		if r.Name == "" {
			continue
		}
		d := make([]string, len(r.Dihedral))
		for i, h := range r.Dihedral {
			d[i] = h.String()
		}
		rob = append(rob, map[string]any{"name": r.Name, "quality": r.Quality, "dihedral": d,
			"rect": []int{r.Rect.Min.X, r.Rect.Min.Y, r.Rect.Max.X, r.Rect.Max.Y}})
	}
	b, _ := json.Marshal(map[string]any{
		"width": f.Width, "height": f.Height, "pdq": f.PDQ.String(), "pdqQuality": f.PDQQuality,
		"pdqDihedral": dih, "pdqRobust": rob, "phash": f.PHash.String(), "sha256": f.SHA256.String(), "md5": f.MD5.String(),
	})
	ctx.SetBody(b)
}
