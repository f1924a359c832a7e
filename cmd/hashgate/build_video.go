package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/hashgate/hashgate/fingerprint"
	"github.com/hashgate/hashgate/fingerprint/video"
	"github.com/hashgate/hashgate/release"
	"github.com/hashgate/hashgate/release/hashlist"
)

// addVideoFile lists a video of --from-media: its SHA-256 and MD5 (a
// video_md5 list entry, whatever FFmpeg makes of it) and, when it decodes,
// its vPDQ under the id rel (its path under the media directory). It
// returns the decoding error, after listing the digests.
func addVideoFile(ctx context.Context, l *hashlist.List, path, rel string, labels []string, src string,
	added time.Time, o hashlist.Options) error {
	res, err := video.HashFile(ctx, path, video.Options{})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		f, oerr := os.Open(path)
		if oerr != nil {
			return oerr
		}
		defer f.Close()
		sha, md, _, derr := fingerprint.DigestReader(f)
		if derr != nil {
			return derr
		}
		for _, e := range digestEntries(sha, md) {
			e.Labels, e.Source, e.Added = labels, src, added
			l.Append(e)
		}
		return err
	}
	for _, e := range digestEntries(res.SHA256, res.MD5) {
		e.Labels, e.Source, e.Added = labels, src, added
		l.Append(e)
	}
	if _, err := l.AppendVideo(filepath.ToSlash(rel), hashlist.VideoFrames(res.Frames), labels, src, added, o); err != nil {
		return err
	}
	return nil
}

// addAnimatedGIF lists the vPDQ of an animated GIF of --from-media under
// the id rel; its digests and first frame are listed as an image's.
func addAnimatedGIF(ctx context.Context, l *hashlist.List, path, rel string, labels []string, src string,
	added time.Time, o hashlist.Options) error {
	res, err := video.HashFile(ctx, path, video.Options{})
	if err != nil {
		return err
	}
	_, err = l.AppendVideo(filepath.ToSlash(rel), hashlist.VideoFrames(res.Frames), labels, src, added, o)
	return err
}

func digestEntries(sha fingerprint.SHA256Digest, md fingerprint.MD5Digest) []release.ListEntry {
	return []release.ListEntry{
		{Kind: fingerprint.KindSHA256, Value: append([]byte(nil), sha[:]...)},
		{Kind: fingerprint.KindMD5, Value: append([]byte(nil), md[:]...)},
	}
}
