package edge

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashgate/hashgate/match"
	"github.com/hashgate/hashgate/release"
)

// addListedVideo adds a vpdq list entry to the index being built. A video
// none of whose frames reaches the index's quality floor (a list built with
// --keep-low-quality) is skipped: it could never match, and refusing the
// whole release for it would leave the edge on an older list.
func addListedVideo(bld *match.Builder, l *release.ListEntry) error {
	id, frames, err := release.ParseVideoValue(l.Value)
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	v := match.Video{ID: id, Labels: l.Labels, Source: l.Source, Added: l.Added, Frames: make([]match.Frame, len(frames))}
	for i, f := range frames {
		v.Frames[i] = match.Frame{PDQ: f.PDQ, Quality: int(f.Quality), Timestamp: time.Duration(f.Millis) * time.Millisecond}
	}
	if err := bld.AddVideo(v); err != nil && !errors.Is(err, match.ErrEmptyVideo) {
		return err
	}
	return nil
}
