package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/release"
	"github.com/hashgate/hashgate/release/hashlist"
)

// demoVideoEntries hashes every video in dir with FFmpeg (as the edge does)
// into list entries: a vpdq entry of its distinct frames of quality >= 50,
// and its MD5 and SHA-256, labelled "demo:NAME".
func demoVideoEntries(ctx context.Context, dir string) ([]release.ListEntry, []string, error) {
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
		path := filepath.Join(dir, de.Name())
		r, err := video.HashFile(ctx, path, video.Options{})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", de.Name(), err)
		}
		var frames []release.VideoFrame
		seen := map[fingerprint.PDQHash]bool{}
		for _, f := range hashlist.VideoFrames(r.Frames) {
			if int(f.Quality) < hashlist.DefaultMinPDQQuality || seen[f.PDQ] {
				continue
			}
			seen[f.PDQ] = true
			frames = append(frames, f)
		}
		if len(frames) == 0 {
			return nil, nil, fmt.Errorf("%s: no frame of PDQ quality %d or more", de.Name(), hashlist.DefaultMinPDQQuality)
		}
		slices.SortStableFunc(frames, func(a, b release.VideoFrame) int { return int(int64(a.Millis) - int64(b.Millis)) })
		name := strings.TrimSuffix(de.Name(), filepath.Ext(de.Name()))
		v, err := release.VideoValue(name, frames)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", de.Name(), err)
		}
		labels := []string{"demo:" + name}
		for _, e := range []release.ListEntry{
			{Kind: fingerprint.KindVPDQ, Value: v},
			{Kind: fingerprint.KindSHA256, Value: r.SHA256[:]},
			{Kind: fingerprint.KindMD5, Value: r.MD5[:]},
		} {
			e.Labels, e.Source, e.Added = labels, "hashgate demo", time.Now().UTC().Truncate(time.Second)
			entries = append(entries, e)
		}
		names = append(names, de.Name())
	}
	return entries, names, nil
}
