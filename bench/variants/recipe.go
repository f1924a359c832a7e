package main

import (
	"strconv"
)

// An edit is one way a repost changes a listed image, done by ImageMagick 6
// (`convert`). Args returns the operators between the input and the output
// file for an input of w×h pixels; every output is written as JPEG at
// quality 90 unless the edit sets its own quality. The table is the recipe
// docs/variants.md documents (`variants recipe` prints it).
type edit struct {
	Name  string // e.g. "crop-c90"
	Group string // the edit kind it reports under
	What  string
	Args  func(w, h int) []string
	// Unrelated marks the edits also applied to the unrelated set: the ones
	// that make the matcher try the most extra hashes (trims, crops,
	// rotations), where false matches would show first.
	Unrelated bool
}

func pct(v int, p float64) string { return strconv.Itoa(int(float64(v)*p + 0.5)) }

func geom(w, h int) string { return strconv.Itoa(w) + "x" + strconv.Itoa(h) }

func crop(gravity string, fw, fh float64) func(w, h int) []string {
	return func(w, h int) []string {
		return []string{"-gravity", gravity, "-crop", pct(w, fw) + "x" + pct(h, fh) + "+0+0", "+repage"}
	}
}

func pad(colour string, fw, fh float64) func(w, h int) []string {
	return func(w, h int) []string {
		return []string{"-background", colour, "-gravity", "center", "-extent", pct(w, fw) + "x" + pct(h, fh)}
	}
}

// blurFill puts the image, unscaled, in the centre of a canvas fw·w × fh·h
// filled with a stretched, heavily blurred copy of itself: the usual way a
// portrait video or photo is posted in a landscape frame.
func blurFill(fw, fh float64) func(w, h int) []string {
	return func(w, h int) []string {
		cw, ch := pct(w, fw), pct(h, fh)
		return []string{"(", "-clone", "0", "-resize", cw + "x" + ch + "!", "-blur", "0x" + pct(max(w, h), 0.03), ")",
			"(", "-clone", "0", ")", "-delete", "0", "-gravity", "center", "-composite"}
	}
}

const fontName = "DejaVu-Sans-Bold"

func caption(top, bottom bool, band, ink string) func(w, h int) []string {
	return func(w, h int) []string {
		bh := pct(h, 0.16)
		ps := pct(h, 0.075)
		var a []string
		if top {
			a = append(a, "-background", band, "-gravity", "north", "-splice", "0x"+bh,
				"-font", fontName, "-pointsize", ps, "-fill", ink, "-annotate", "+0+"+pct(h, 0.04), "WHEN THEY SAY IT CANNOT BE DONE")
		}
		if bottom {
			a = append(a, "-background", band, "-gravity", "south", "-splice", "0x"+bh,
				"-font", fontName, "-pointsize", ps, "-fill", ink, "-annotate", "+0+"+pct(h, 0.04), "AND THEN IT IS DONE")
		}
		return a
	}
}

// frame puts the image, scaled to share of the canvas width, on a canvas of
// the image's own aspect (flat colour or a seeded plasma texture) at an
// offset from the centre, as a photo of a print or a pasted picture.
func frame(canvas string, share float64) func(w, h int) []string {
	return func(w, h int) []string {
		cw, ch := pct(w, 1/share), pct(h, 1/share)
		return []string{"(", "-size", cw + "x" + ch, "-seed", "3", canvas, ")", "+swap",
			"-gravity", "center", "-geometry", "+" + pct(w, 0.03) + "+" + pct(h, 0.02), "-composite"}
	}
}

// screenshot draws an app's frame around the image: a status bar, a header
// with a name, the picture at 92% of the width, and a bar of counters.
func screenshot(w, h int) []string {
	cw := pct(w, 1/0.92)
	top, bot := pct(h, 0.22), pct(h, 0.16)
	ps := pct(h, 0.045)
	return []string{"-background", "white", "-gravity", "center", "-extent", cw + "x" + strconv.Itoa(h),
		"-gravity", "north", "-splice", "0x" + top, "-gravity", "south", "-splice", "0x" + bot,
		"-fill", "#202020", "-draw", "rectangle 0,0 " + cw + "," + pct(h, 0.06),
		"-font", fontName, "-pointsize", ps, "-fill", "white", "-gravity", "northwest", "-annotate", "+" + pct(w, 0.03) + "+" + pct(h, 0.01), "10:42",
		"-fill", "#1d3557", "-annotate", "+" + pct(w, 0.03) + "+" + pct(h, 0.1), "@someone  ·  2h",
		"-gravity", "southwest", "-fill", "#444444", "-annotate", "+" + pct(w, 0.03) + "+" + pct(h, 0.05), "♥ 1.2k    ↻ 311    ✉ 48",
	}
}

func rotate(deg, bg string, fit bool) func(w, h int) []string {
	return func(w, h int) []string {
		a := []string{"-background", bg, "-rotate", deg}
		if fit {
			a = append(a, "-gravity", "center", "-crop", geom(w, h)+"+0+0", "+repage")
		}
		return a
	}
}

func ops(a ...string) func(w, h int) []string { return func(int, int) []string { return a } }

func chain(fs ...func(w, h int) []string) func(w, h int) []string {
	return func(w, h int) []string {
		var a []string
		for _, f := range fs {
			a = append(a, f(w, h)...)
		}
		return a
	}
}

var edits = []edit{
	{"crop-c95", "crop centred", "centre 95% of each side", crop("center", 0.95, 0.95), false},
	{"crop-c90", "crop centred", "centre 90% of each side", crop("center", 0.90, 0.90), true},
	{"crop-c80", "crop centred", "centre 80% of each side", crop("center", 0.80, 0.80), false},
	{"crop-c70", "crop centred", "centre 70% of each side", crop("center", 0.70, 0.70), false},
	{"crop-nw90", "crop off-centre", "top-left 90% of each side", crop("northwest", 0.90, 0.90), false},
	{"crop-se80", "crop off-centre", "bottom-right 80% of each side", crop("southeast", 0.80, 0.80), true},
	{"crop-e75", "crop off-centre", "right 75% of the width, full height", crop("east", 0.75, 1), false},
	{"crop-s85", "crop off-centre", "bottom 85% of the height, full width", crop("south", 1, 0.85), false},
	{"border-black", "border", "black border, 6% of the larger side", ops("-bordercolor", "black", "-border", "6%"), true},
	{"border-white", "border", "white border 4% x 8%", ops("-bordercolor", "white", "-border", "4%x8%"), false},
	{"border-flat", "border", "flat blue border 8%", ops("-bordercolor", "#2e5a88", "-border", "8%"), false},
	{"letterbox-black", "letterbox", "black bands top and bottom, canvas 135% tall", pad("black", 1, 1.35), false},
	{"letterbox-flat", "letterbox", "dark grey bands, canvas 125% tall", pad("#303030", 1, 1.25), false},
	{"letterbox-blur", "letterbox", "blurred fill above and below, canvas 140% tall", blurFill(1, 1.4), false},
	{"pillarbox-black", "pillarbox", "black bands left and right, canvas 150% wide", pad("black", 1.5, 1), false},
	{"pillarbox-white", "pillarbox", "white bands, canvas 140% wide", pad("white", 1.4, 1), false},
	{"pillarbox-blur", "pillarbox", "blurred fill left and right, canvas 160% wide", blurFill(1.6, 1), true},
	{"caption-top", "caption band", "white band on top with black text, 16% of the height", caption(true, false, "white", "black"), false},
	{"caption-meme", "caption band", "white bands top and bottom with text", caption(true, true, "white", "black"), true},
	{"caption-black", "caption band", "black band at the bottom with white text", caption(false, true, "black", "white"), false},
	{"frame-flat", "picture in frame", "on a light grey canvas, 85% of its width", frame("xc:#d8d8d8", 0.85), false},
	{"frame-texture", "picture in frame", "on a plasma-textured canvas, 75% of its width", frame("plasma:tan-sienna", 0.75), true},
	{"frame-screenshot", "picture in frame", "inside an app screenshot: status bar, header, counters", screenshot, false},
	{"rot90", "rotate 90/180/270", "rotate 90°", ops("-rotate", "90"), true},
	{"rot180", "rotate 90/180/270", "rotate 180°", ops("-rotate", "180"), false},
	{"rot270", "rotate 90/180/270", "rotate 270°", ops("-rotate", "270"), false},
	{"rot+3", "rotate ±3–5°", "rotate 3°, white corners", rotate("3", "white", false), false},
	{"rot-4", "rotate ±3–5°", "rotate −4°, black corners", rotate("-4", "black", false), false},
	{"rot+5-fit", "rotate ±3–5°", "rotate 5°, cropped back to the original size", rotate("5", "black", true), false},
	{"rot-7", "rotate beyond ±5°", "rotate −7°, white corners", rotate("-7", "white", false), false},
	{"mirror", "mirror", "mirror left to right", ops("-flop"), true},
	{"stretch-w120", "stretch", "width × 1.2", ops("-resize", "120%x100%!"), false},
	{"stretch-h80", "stretch", "height × 0.8", ops("-resize", "100%x80%!"), false},
	{"jpeg-q10", "JPEG q10–q40", "JPEG quality 10", ops("-quality", "10"), false},
	{"jpeg-q25", "JPEG q10–q40", "JPEG quality 25", ops("-quality", "25"), false},
	{"jpeg-q40", "JPEG q10–q40", "JPEG quality 40", ops("-quality", "40"), false},
	{"resize-256", "resize 256 px", "longest side 256 px", ops("-resize", "256x256>"), false},
	{"noise", "noise", "Gaussian noise, attenuate 0.6", ops("-seed", "7", "-attenuate", "0.6", "+noise", "Gaussian"), false},
	{"watermark", "watermark", "semi-transparent text across the centre", func(w, h int) []string {
		return []string{"-gravity", "center", "-font", fontName, "-pointsize", pct(w, 0.1), "-fill", "rgba(255,255,255,0.45)", "-annotate", "+0+0", "© repost.example"}
	}, false},
	{"grey", "grey", "greyscale", ops("-colorspace", "Gray"), false},
	{"bright", "brightness/contrast", "brightness +25%", ops("-modulate", "125"), false},
	{"contrast", "brightness/contrast", "contrast +30", ops("-brightness-contrast", "0x30"), false},
	{"dark", "brightness/contrast", "brightness −20", ops("-brightness-contrast", "-20x0"), false},
	{"chain-crop-mirror-q30", "chain of three", "centre 90% crop, mirror, JPEG q30", chain(crop("center", 0.9, 0.9), ops("-flop", "-quality", "30")), false},
	{"chain-border-bright-256", "chain of three", "black border 6%, brightness +20%, 256 px", chain(ops("-bordercolor", "black", "-border", "6%", "-modulate", "120", "-resize", "256x256>")), false},
	{"chain-caption-stretch-noise", "chain of three", "caption band, width × 1.1, noise", chain(caption(true, false, "white", "black"), ops("-resize", "110%x100%!", "-seed", "9", "-attenuate", "0.4", "+noise", "Gaussian")), true},
}

// groups lists the edit kinds in table order.
func groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range edits {
		if !seen[e.Group] {
			seen[e.Group] = true
			out = append(out, e.Group)
		}
	}
	return out
}
