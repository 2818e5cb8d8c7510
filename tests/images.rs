//! Checks of image files shared by the plot tests: PNGs decode, have a size and are not
//! blank; SVGs are well-formed XML carrying a given text.

/// Decoded 8-bit RGB pixels of a PNG: (width, height, bytes).
pub fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Variance of the grey level of all pixels (0 for a blank image).
pub fn variance(rgb: &[u8]) -> f64 {
    let n = (rgb.len() / 3) as f64;
    let grey = rgb.chunks(3).map(|p| (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0);
    let mean = grey.clone().sum::<f64>() / n;
    grey.map(|g| (g - mean) * (g - mean)).sum::<f64>() / n
}

/// Number of pixels of exactly this colour.
pub fn count_color(rgb: &[u8], c: [u8; 3]) -> usize {
    rgb.chunks(3).filter(|p| *p == c).count()
}

/// Parses `text` as an SVG document and checks that `title`, if given, is the text of one
/// of its `<text>` elements.
pub fn check_svg(text: &str, title: Option<&str>) {
    assert!(text.starts_with("<svg"), "starts with {:?}", &text[..20.min(text.len())]);
    assert!(text.trim_end().ends_with("</svg>"));
    let doc = roxmltree::Document::parse(text).expect("SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    if let Some(title) = title {
        let found =
            doc.descendants().filter(|n| n.has_tag_name("text")).any(|n| n.text().map(str::trim) == Some(title));
        assert!(found, "title {title:?} not in a <text> element");
    }
}
