//! The Rust binding against the library, with the test fixture model
//! (Tests/Fixtures/models/tiny-mnist.safetensors) and the shipped MNIST model.
use std::ops::ControlFlow;
use std::panic;
use std::path::PathBuf;

use latentdiff::{CodecParams, Model, SampleParams, Sampler, Spacing, Split, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tiny() -> Model {
    Model::load(root().join("Tests/Fixtures/models/tiny-mnist.safetensors")).expect("the fixture model loads")
}

/// The fixture model with a guide denoiser attached and the stored autoguidance weight 1
/// (scripts/make_tiny_model.sh): its codec and denoiser are tiny()'s, bit for bit.
fn guided() -> Model {
    Model::load(root().join("Tests/Fixtures/models/tiny-mnist-guided.safetensors")).expect("the guided fixture loads")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("latentdiff-rust-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn version_matches_the_header() {
    let header = std::fs::read_to_string(root().join("include/latentdiff.h")).unwrap();
    let expected = header.lines().find_map(|l| l.strip_prefix("#define LD_VERSION_STRING ")).unwrap().trim_matches('"');
    assert_eq!(latentdiff::version(), expected);
}

#[test]
fn info_describes_the_model() {
    let model = tiny();
    let info = model.info();
    assert_eq!(info.latent_shape.iter().product::<usize>(), info.latent_size);
    assert_eq!(info.dataset, "mnist");
    assert!(info.config_json.starts_with('{'));
    assert_eq!(info.image_bytes(), info.image_width * info.image_height * info.image_channels);
    // A file without stored defaults or names: the library's fallbacks.
    assert_eq!((info.default_guidance, info.default_steps, info.default_sampler), (1.0, 20, Sampler::DpmSolver));
    let digits: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    assert_eq!(info.class_names, digits);
    assert_eq!((info.has_guide, info.default_autoguidance), (false, 0.0));
}

#[test]
fn shipped_models_recommend_their_guidance() {
    let mnist = Model::load(root().join("models/mnist.safetensors")).unwrap();
    assert_eq!(mnist.info().default_guidance, 1.5);
    let params = mnist.recommended_params();
    assert_eq!((params.guidance, params.steps, params.sampler), (1.5, 20, Sampler::DpmSolver));
    let cifar = Model::load(root().join("models/cifar10.safetensors")).unwrap();
    assert_eq!(cifar.info().default_guidance, 6.0);
    assert_eq!(cifar.recommended_params().guidance_interval, Some((0.3, 2.0)));
    // It holds a guide denoiser and stores autoguidance 1 (models/README.md).
    assert!(cifar.info().has_guide && cifar.info().default_autoguidance == 1.0);
    assert_eq!(cifar.info().class_names[0], "airplane");
    let pca = Model::load(root().join("models/pca2d.safetensors")).unwrap();
    assert!(pca.info().class_names.is_empty());
}

#[test]
fn sample_decode_and_generate_agree() {
    let model = tiny();
    let params = SampleParams { seed: 5, steps: 8, ..SampleParams::default() };
    let latents = model.sample(3, &params).unwrap();
    assert_eq!(latents.len(), 3 * model.info().latent_size);
    assert!(latents.iter().all(|v| v.is_finite()));
    let decoded = model.decode(&latents).unwrap();
    assert_eq!(decoded, model.generate(3, &params).unwrap());
    let tail = model.sample(2, &SampleParams { first_index: 1, ..params.clone() }).unwrap();
    assert_eq!(&tail[..], &latents[model.info().latent_size..]);
    assert_ne!(model.sample(3, &SampleParams { seed: 6, ..params.clone() }).unwrap(), latents);
    assert_eq!(model.encode(&decoded).unwrap().len(), latents.len());
    let mut results: Vec<Vec<u32>> = Vec::new();
    for (code, &sampler) in Sampler::ALL.iter().enumerate() {
        assert_eq!(sampler.code() as usize, code);
        assert_eq!(Sampler::from_code(code as i32), sampler);
        let latents = model.sample(1, &SampleParams { sampler, steps: 4, eta: 0.5, ..SampleParams::default() }).unwrap();
        assert!(latents.iter().all(|v| v.is_finite()), "{:?}", sampler);
        let bits: Vec<u32> = latents.iter().map(|v| v.to_bits()).collect();
        assert!(!results.contains(&bits), "{:?} gives another sampler's latents", sampler);
        results.push(bits);
    }
}

#[test]
fn errors_carry_status_and_message() {
    let error = Model::load("/nonexistent/model.safetensors").unwrap_err();
    assert_eq!(error.status(), Status::Io);
    assert!(error.message().contains("nonexistent"), "{error}");
    assert!(error.to_string().starts_with("LD_ERR_IO: "), "{error}");
    let model = tiny();
    let bad = model.sample(1, &SampleParams { steps: 0, ..SampleParams::default() }).unwrap_err();
    assert_eq!(bad.status(), Status::InvalidArgument);
    assert!(!bad.message().is_empty());
    assert_eq!(model.generate(0, &SampleParams::default()).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(model.generate(70000, &SampleParams::default()).unwrap_err().status(), Status::InvalidArgument);
    let labels = [1, 2];
    let mismatch = model.generate(3, &SampleParams { labels: Some(&labels), ..SampleParams::default() }).unwrap_err();
    assert!(mismatch.message().contains("2 labels for 3 samples"), "{mismatch}");
    assert_eq!(model.decode(&[0.0; 3]).unwrap_err().status(), Status::InvalidArgument);
    let nan = vec![f32::NAN; model.info().latent_size];
    assert_eq!(model.decode(&nan).unwrap_err().status(), Status::Numeric);
    let text = temp_dir("errors").join("text.png");
    std::fs::write(&text, "not a png").unwrap();
    assert_eq!(latentdiff::read_png(&text, 0).unwrap_err().status(), Status::Format);
}

#[test]
fn progress_cancels() {
    let model = tiny();
    let mut steps = Vec::new();
    let mut progress = |step: i32, total: i32| {
        steps.push((step, total));
        if step >= 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    let params = SampleParams { sampler: Sampler::Ddim, steps: 10, ..SampleParams::default() };
    let error = model.generate_with_progress(2, &params, Some(&mut progress)).unwrap_err();
    assert_eq!(error.status(), Status::Cancelled);
    assert_eq!(steps, vec![(1, 10), (2, 10), (3, 10)]);
}

#[test]
fn a_panic_in_progress_cancels_and_resumes() {
    let model = tiny();
    let mut calls = 0;
    let result = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        let mut progress = |step: i32, _total: i32| -> ControlFlow<()> {
            calls += 1;
            if step == 2 {
                panic!("from the callback");
            }
            ControlFlow::Continue(())
        };
        model.sample_with_progress(1, &SampleParams { steps: 10, ..SampleParams::default() }, Some(&mut progress))
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"from the callback"));
    assert_eq!(calls, 2);
    assert!(model.sample(1, &SampleParams { steps: 2, ..SampleParams::default() }).is_ok());
}

#[test]
fn threads_share_a_model() {
    let model = tiny();
    let params = SampleParams { seed: 9, steps: 6, threads: 1, ..SampleParams::default() };
    let expected = model.generate(3, &params).unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| model.generate(3, &params).unwrap())).collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), expected);
        }
    });
}

#[test]
fn png_round_trip() {
    let model = tiny();
    let info = model.info().clone();
    let pixels = model.generate(4, &SampleParams { steps: 4, ..SampleParams::default() }).unwrap();
    let dir = temp_dir("png");
    let one = dir.join("one.png");
    let size = info.image_bytes();
    latentdiff::write_png(&one, &pixels[..size], info.image_width, info.image_height, info.image_channels).unwrap();
    let image = latentdiff::read_png(&one, 0).unwrap();
    assert_eq!((image.width, image.height, image.channels), (info.image_width, info.image_height, info.image_channels));
    assert_eq!(image.pixels, &pixels[..size]);
    let grid = dir.join("grid.png");
    latentdiff::write_grid_png(&grid, &pixels, 4, info.image_width, info.image_height, info.image_channels, 2).unwrap();
    let read = latentdiff::read_png(&grid, 0).unwrap();
    assert!(read.width >= 2 * info.image_width && read.width < 2 * info.image_width + 8);
    assert!(latentdiff::write_grid_png(&grid, &pixels, 5, info.image_width, info.image_height, info.image_channels, 2).is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_dataset_counts() {
    let mnist = root().join("Tests/Fixtures/mnist");
    assert!(latentdiff::check_dataset(&mnist, "mnist", Split::Train).unwrap() > 0);
    assert_eq!(latentdiff::check_dataset(&mnist, "svhn", Split::Test).unwrap_err().status(), Status::InvalidArgument);
}

#[test]
fn shipped_model_generates_each_class() {
    let path = root().join("models/mnist.safetensors");
    let model = Model::load(&path).unwrap();
    assert_eq!(model.info().class_count, 10);
    let labels = [3, 8];
    let params = SampleParams { seed: 42, guidance: 2.0, steps: 10, labels: Some(&labels), ..SampleParams::default() };
    assert_eq!(model.generate(2, &params).unwrap().len(), 2 * 28 * 28);
}

#[test]
fn abi_version_and_sampler_names() {
    assert_eq!(latentdiff::abi_version(), latentdiff::ffi::LD_ABI_VERSION);
    let names = ["dpm++", "ddim", "ddpm", "euler", "euler-a", "heun", "dpm++3m"];
    for (sampler, name) in Sampler::ALL.iter().zip(names.iter()) {
        assert_eq!(sampler.name(), *name);
        assert_eq!(Sampler::from_name(name).unwrap(), *sampler);
    }
    let error = Sampler::from_name("DDIM").unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert!(error.message().contains("unknown sampler 'DDIM'"), "{}", error.message());
}

#[test]
fn from_bytes_equals_the_file() {
    let path = root().join("Tests/Fixtures/models/tiny-mnist.safetensors");
    let data = std::fs::read(&path).unwrap();
    let from_memory = Model::from_bytes(&data).unwrap();
    drop(data);
    let params = SampleParams { steps: 3, seed: 8, ..SampleParams::default() };
    assert_eq!(from_memory.generate(2, &params).unwrap(), tiny().generate(2, &params).unwrap());
    assert!(from_memory.info().timesteps > 0);
    let error = Model::from_bytes(&[0u8; 16]).unwrap_err();
    assert_eq!(error.status(), Status::Format);
    assert!(error.message().contains("<memory>"), "{}", error.message());
}

#[test]
fn codec_threads_progress_and_cancel() {
    let model = tiny();
    let params = SampleParams { steps: 3, seed: 2, ..SampleParams::default() };
    let latents = model.sample(3, &params).unwrap();
    let mut seen = Vec::new();
    let one = CodecParams { threads: 1 };
    let pixels = model
        .decode_with(&latents, &one, Some(&mut |done, total| {
            seen.push((done, total));
            ControlFlow::Continue(())
        }))
        .unwrap();
    assert_eq!(seen.last(), Some(&(3, 3)));
    assert_eq!(pixels, model.decode_with(&latents, &CodecParams { threads: 2 }, None).unwrap());
    let error = model.encode_with(&pixels, &one, Some(&mut |_, _| ControlFlow::Break(()))).unwrap_err();
    assert_eq!(error.status(), Status::Cancelled);
    assert!(latentdiff::set_max_threads(-1).is_err());
    assert!(latentdiff::max_threads() >= 1);
}

#[test]
fn sample_noise_reproduces_sampling() {
    let model = tiny();
    let noise = model.sample_noise(4, 2, 3).unwrap();
    assert_eq!(noise.len(), 3 * model.info().latent_size);
    for sampler in [Sampler::DpmSolver, Sampler::Ddpm] {
        let params = SampleParams { sampler, seed: 4, steps: 5, first_index: 2, ..SampleParams::default() };
        let plain = model.sample(3, &params).unwrap();
        let given = model.sample(3, &SampleParams { init_noise: Some(&noise), ..params.clone() }).unwrap();
        assert_eq!(given, plain, "{:?}", sampler);
    }
    let short = model.sample(3, &SampleParams { init_noise: Some(&noise[1..]), ..SampleParams::default() }).unwrap_err();
    assert_eq!(short.status(), Status::InvalidArgument);
}

#[test]
fn img2img_and_inpainting() {
    let model = tiny();
    let (w, h) = (model.info().image_width, model.info().image_height);
    let params = SampleParams { seed: 9, steps: 6, ..SampleParams::default() };
    let image = model.generate(1, &SampleParams { seed: 1, ..params.clone() }).unwrap();
    let plain = model.generate(1, &params).unwrap();
    let full = model.generate(1, &SampleParams { init_image: Some(&image), ..params.clone() }).unwrap();
    assert_eq!(full, plain, "strength 1 is plain generation");
    let none = model.generate(1, &SampleParams { init_image: Some(&image), strength: 0.0, ..params.clone() }).unwrap();
    assert_eq!(none, model.decode(&model.encode(&image).unwrap()).unwrap(), "strength 0 is the image re-decoded");
    let mut mask = vec![0u8; w * h];
    for y in h / 4..h - h / 4 {
        for x in w / 4..w - w / 4 {
            mask[y * w + x] = 255;
        }
    }
    let out = model.generate(1, &SampleParams { init_image: Some(&image), mask: Some(&mask), ..params.clone() }).unwrap();
    for y in 0..h {
        for x in 0..w {
            let far = y + 2 < h / 4 || y >= h - h / 4 + 2 || x + 2 < w / 4 || x >= w - w / 4 + 2;
            if far {
                assert_eq!(out[y * w + x], image[y * w + x], "kept pixel ({y}, {x})");
            }
        }
    }
    assert_ne!(out, image);
    let bad = model.generate(1, &SampleParams { mask: Some(&mask), ..params.clone() }).unwrap_err();
    assert_eq!(bad.status(), Status::InvalidArgument);
}

/// The chunks of a PNG file after its signature, as (type, data), each one's CRC checked.
fn png_chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= byte as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    let mut chunks = Vec::new();
    let mut at = 8;
    while at < png.len() {
        let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let body = &png[at + 4..at + 8 + length];
        let crc = u32::from_be_bytes(png[at + 8 + length..at + 12 + length].try_into().unwrap());
        assert_eq!(crc, crc32(body), "the CRC of chunk {}", chunks.len());
        chunks.push((String::from_utf8_lossy(&body[..4]).into_owned(), body[4..].to_vec()));
        at += 12 + length;
    }
    assert_eq!(at, png.len());
    chunks
}

#[test]
fn encode_png_round_trip() {
    let dir = temp_dir("encode");
    let (width, height) = (7, 5);
    for (channels, color_type) in [(1, 0u8), (2, 4), (3, 2), (4, 6)] {
        let pixels: Vec<u8> = (0..width * height * channels).map(|i| (i * 37 % 256) as u8).collect();
        let png = latentdiff::encode_png(&pixels, width, height, channels, &[]).unwrap();
        // The bytes write_png writes, which read_png decodes back to the pixels.
        let file = dir.join(format!("{channels}.png"));
        latentdiff::write_png(&file, &pixels, width, height, channels).unwrap();
        assert_eq!(png, std::fs::read(&file).unwrap());
        let image = latentdiff::read_png(&file, 0).unwrap();
        assert_eq!((image.width, image.height, image.channels), (width, height, channels));
        assert_eq!(image.pixels, pixels);
        let chunks = png_chunks(&png);
        let (kind, header) = &chunks[0];
        assert_eq!(kind, "IHDR");
        assert_eq!(u32::from_be_bytes(header[0..4].try_into().unwrap()), width as u32);
        assert_eq!(u32::from_be_bytes(header[4..8].try_into().unwrap()), height as u32);
        assert_eq!((header[8], header[9]), (8, color_type), "bit depth and color type of {channels} channels");
        assert!(chunks.iter().all(|(kind, _)| kind != "tEXt"));
        assert_eq!(chunks.last().unwrap().0, "IEND");
    }
    // Text chunks go after the header, in order: tEXt for Latin-1 values, iTXt (UTF-8) for others.
    let pixels = vec![128u8; 3 * 2 * 3];
    let text = [("parameters", "{\"seed\":1}"), ("Comment", "café →")];
    let png = latentdiff::encode_png(&pixels, 3, 2, 3, &text).unwrap();
    let chunks = png_chunks(&png);
    assert_eq!(chunks[1], ("tEXt".to_string(), b"parameters\0{\"seed\":1}".to_vec()));
    assert_eq!(chunks[2], ("iTXt".to_string(), "Comment\0\0\0\0\0café →".as_bytes().to_vec()));
    let file = dir.join("text.png");
    std::fs::write(&file, &png).unwrap();
    assert_eq!(latentdiff::read_png(&file, 0).unwrap().pixels, pixels);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn encode_png_rejects_bad_input() {
    let pixels = [0u8; 2 * 2 * 3];
    let invalid = |result: latentdiff::Result<Vec<u8>>| {
        let error = result.unwrap_err();
        assert_eq!(error.status(), Status::InvalidArgument, "{error}");
        error.message().to_string()
    };
    // Checked in Rust: what would be undefined behaviour in C.
    assert!(invalid(latentdiff::encode_png(&pixels[1..], 2, 2, 3, &[])).contains("needs 12 bytes, not 11"));
    assert!(invalid(latentdiff::encode_png(&pixels, 2, 2, 3, &[("a\0b", "v")])).contains("NUL"));
    assert!(invalid(latentdiff::encode_png(&pixels, 2, 2, 3, &[("key", "v\0")])).contains("NUL"));
    assert!(invalid(latentdiff::encode_png(&[], 1 << 31, 0, 1, &[])).contains("too large"));
    assert!(invalid(latentdiff::encode_png(&[], usize::MAX, 2, 2, &[])).contains("overflows"));
    // Checked by the library, with its message.
    let five = [0u8; 2 * 2 * 5];
    assert!(invalid(latentdiff::encode_png(&five, 2, 2, 5, &[])).contains("channels"));
    invalid(latentdiff::encode_png(&[], 0, 2, 3, &[]));
    for key in ["", "caf\u{e9}", "tab\there", &"k".repeat(80)] {
        assert!(invalid(latentdiff::encode_png(&pixels, 2, 2, 3, &[(key, "v")])).contains("keyword"), "{key:?}");
    }
    assert!(latentdiff::encode_png(&pixels, 2, 2, 3, &[(&"k".repeat(79), "v")]).is_ok());
}

#[test]
fn settings_json_describes_the_call() {
    let model = Model::load(root().join("models/mnist.safetensors")).unwrap();
    let labels = [3, -1];
    let params = SampleParams {
        sampler: Sampler::Ddim,
        steps: 7,
        eta: 0.5,
        guidance: 2.5,
        seed: u64::MAX,
        first_index: 40,
        labels: Some(&labels),
        ..SampleParams::default()
    };
    let json = model.settings_json(2, &params).unwrap();
    // The header shows the layout with spaces, the library writes none: compare without them.
    let compact: String = json.split_whitespace().collect();
    let head = format!("{{\"library_version\":\"{}\",\"model\":{{\"dataset\":\"mnist\"", latentdiff::version());
    assert!(compact.starts_with(&head), "{json}");
    assert!(compact.ends_with('}'), "{json}");
    for field in [
        "\"sampler\":\"ddim\",",
        "\"steps\":7,",
        "\"eta\":0.5,",
        "\"guidance\":2.5,",
        "\"seed\":18446744073709551615,",
        "\"first_index\":40,",
        "\"count\":2,",
        "\"labels\":[3,-1],",
        "\"class_names\":[\"3\",null],",
        "\"init_image\":false,",
    ] {
        assert!(compact.contains(field), "{field} not in {json}");
    }
    let keys =
        ["library_version", "model", "sampler", "spacing", "steps", "eta", "guidance", "seed", "first_index", "count", "labels"];
    let at: Vec<usize> = keys.iter().map(|key| compact.find(&format!("\"{key}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|pair| pair[0] < pair[1]), "keys out of order in {json}");
    // The model's recommendation, unconditional: no labels.
    let plain = model.settings_json(1, &SampleParams { seed: 42, ..model.recommended_params() }).unwrap();
    let plain: String = plain.split_whitespace().collect();
    for field in ["\"steps\":20,", "\"guidance\":1.5,", "\"seed\":42,", "\"count\":1,", "\"labels\":null,"] {
        assert!(plain.contains(field), "{field} not in {plain}");
    }
    // Stored as a PNG text chunk, as the header suggests.
    let png = latentdiff::encode_png(&[0u8; 28 * 28], 28, 28, 1, &[("parameters", &json)]).unwrap();
    assert_eq!(png_chunks(&png)[1].1, [b"parameters\0", json.as_bytes()].concat());
    // Checked as sampling checks it.
    for (count, params) in [
        (0, SampleParams::default()),
        (1, SampleParams { steps: 0, ..SampleParams::default() }),
        (3, SampleParams { labels: Some(&labels), ..SampleParams::default() }),
        (1, SampleParams { labels: Some(&[10]), ..SampleParams::default() }),
    ] {
        let error = model.settings_json(count, &params).unwrap_err();
        assert_eq!(error.status(), Status::InvalidArgument, "{error}");
        assert!(!error.message().is_empty());
    }
}

#[test]
fn recommended_params_are_the_models_defaults() {
    let default = SampleParams::default();
    for path in [
        "models/mnist.safetensors",
        "models/cifar10.safetensors",
        "models/pca2d.safetensors",
        "Tests/Fixtures/models/tiny-mnist.safetensors",
        "Tests/Fixtures/models/tiny-mnist-guided.safetensors",
    ] {
        let model = Model::load(root().join(path)).unwrap();
        let info = model.info();
        let params = model.recommended_params();
        let recommended = (info.default_sampler, info.default_steps, info.default_guidance);
        assert_eq!((params.sampler, params.steps, params.guidance), recommended, "{path}");
        let rest = |p: &SampleParams| (p.eta, p.seed, p.threads, p.first_index, p.strength, p.guidance_rescale);
        assert_eq!(rest(&params), rest(&default), "{path}");
        // The shipped CIFAR-10 model stores a guidance band (models/README.md); the others none.
        let band = if path == "models/cifar10.safetensors" { Some((0.3, 2.0)) } else { None };
        assert_eq!((params.spacing, params.guidance_interval), (Spacing::Default, band), "{path}");
        assert!(params.labels.is_none() && params.init_noise.is_none());
        assert!(params.init_image.is_none() && params.mask.is_none());
        assert_eq!(params.autoguidance, info.default_autoguidance, "{path}");
        assert!(info.has_guide || info.default_autoguidance == 0.0, "{path}: a weight without a guide");
    }
}

#[test]
fn spacing_names() {
    let names = ["default", "uniform", "trailing", "logsnr", "karras"];
    for (code, (spacing, name)) in Spacing::ALL.iter().zip(names.iter()).enumerate() {
        assert_eq!((spacing.code(), spacing.name()), (code as i32, name.to_string()));
        assert_eq!(Spacing::from_name(name).unwrap(), *spacing);
        assert_eq!(Spacing::from_code(code as i32), *spacing);
    }
    assert_eq!(Spacing::from_code(5), Spacing::Default);
    let error = Spacing::from_name("Karras").unwrap_err();
    assert_eq!(error.status(), Status::InvalidArgument);
    assert!(error.message().contains("unknown spacing 'Karras'"), "{}", error.message());
    assert_eq!(SampleParams::default().spacing, Spacing::Default);
}

/// Spacing, guidance interval and rescale reach the library, checked bit for bit (noise levels
/// sigma/alpha lie between about 0.005 and 1e5; the fixture's linear schedule: 0.01 to 158).
#[test]
fn sampler_settings_reach_the_library() {
    let model = tiny();
    let labels = [3, 7];
    let base = SampleParams { steps: 5, seed: 4, threads: 1, labels: Some(&labels), ..SampleParams::default() };
    let run = |params: &SampleParams| model.sample(2, params).unwrap();
    let own = [
        (Sampler::DpmSolver, Spacing::LogSnr),
        (Sampler::Ddim, Spacing::Uniform),
        (Sampler::Ddpm, Spacing::Uniform),
        (Sampler::Euler, Spacing::Karras),
        (Sampler::EulerAncestral, Spacing::Karras),
        (Sampler::Heun, Spacing::Karras),
        (Sampler::DpmSolver3M, Spacing::LogSnr),
    ];
    for (sampler, spacing) in own {
        let plain = run(&SampleParams { sampler, ..base.clone() });
        assert_eq!(plain, run(&SampleParams { sampler, spacing, ..base.clone() }), "{:?}", sampler);
        assert_ne!(plain, run(&SampleParams { sampler, spacing: Spacing::Trailing, ..base.clone() }), "{:?}", sampler);
    }
    let guided = SampleParams { guidance: 3.0, ..base.clone() };
    let unguided = run(&SampleParams { guidance: 1.0, ..base.clone() });
    let banded = |low: f32, high: f32| run(&SampleParams { guidance_interval: Some((low, high)), ..guided.clone() });
    assert_ne!(run(&guided), unguided);
    assert_eq!(banded(1e30, 1e31), unguided, "an interval holding no step");
    assert_eq!(banded(0.0, 1e30), run(&guided), "an interval holding every step");
    let middle = banded(0.5, 5.0);
    assert!(middle != unguided && middle != run(&guided));
    assert_eq!(run(&SampleParams { guidance_rescale: 0.0, ..guided.clone() }), run(&guided));
    assert_ne!(run(&SampleParams { guidance_rescale: 1.0, ..guided.clone() }), run(&guided));

    for bad in [(5.0, 1.0), (-1.0, 2.0), (f32::NAN, 2.0), (1.0, f32::INFINITY), (0.5, 0.0)] {
        let error = model.sample(2, &SampleParams { guidance_interval: Some(bad), ..guided.clone() }).unwrap_err();
        assert_eq!(error.status(), Status::InvalidArgument, "{:?}", bad);
        assert!(error.message().contains("guidance interval"), "{}", error.message());
    }
    for bad in [-0.1, 1.5, f32::NAN] {
        let error = model.sample(2, &SampleParams { guidance_rescale: bad, ..guided.clone() }).unwrap_err();
        assert_eq!(error.status(), Status::InvalidArgument, "{bad}");
        assert!(error.message().contains("rescale"), "{}", error.message());
    }
    let chosen = SampleParams {
        sampler: Sampler::Heun,
        guidance_interval: Some((0.3, 5.0)),
        guidance_rescale: 0.7,
        ..base.clone()
    };
    let json = model.settings_json(2, &chosen).unwrap();
    assert!(json.contains("\"sampler\":\"heun\",\"spacing\":\"karras\","), "{json}");
    assert!(json.contains("\"guidance_interval\":[0.3,5],\"guidance_rescale\":0.7,"), "{json}");
}

/// A model file that stores a spacing with its defaults: recommended_params carries it.
#[test]
fn recommended_params_carry_the_models_spacing() {
    let bytes = std::fs::read(root().join("Tests/Fixtures/models/tiny-mnist.safetensors")).unwrap();
    let size = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + size]).unwrap();
    let defaults = r#"\"sampling_defaults\":{\"guidance\":1,\"steps\":4,\"sampler\":\"euler\",\"spacing\":\"trailing\"},"#;
    let mut changed = header.replacen(r#"\"format_version\":1,"#, &format!(r#"\"format_version\":1,{defaults}"#), 1);
    assert_ne!(changed, header, "the fixture's configuration starts with format_version");
    while changed.len() % 8 != 0 {
        changed.push(' ');
    }
    let mut file = (changed.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(changed.as_bytes());
    file.extend_from_slice(&bytes[8 + size..]);
    let model = Model::from_bytes(&file).unwrap();
    let params = model.recommended_params();
    assert_eq!((params.sampler, params.steps, params.spacing), (Sampler::Euler, 4, Spacing::Trailing));
    let explicit = SampleParams { sampler: Sampler::Euler, steps: 4, spacing: Spacing::Trailing, ..SampleParams::default() };
    assert_eq!(model.sample(1, &params).unwrap(), model.sample(1, &explicit).unwrap());
}

/// Autoguidance reaches the library, checked bit for bit against the fixture without a guide:
/// weight 0 samples its bits, others differ; a weight without a guide or outside [0, 100] is
/// refused with a reason.
#[test]
fn autoguidance_reaches_the_library() {
    let (model, plain) = (guided(), tiny());
    assert_eq!((model.info().has_guide, model.info().default_autoguidance), (true, 1.0));
    assert_eq!(model.recommended_params().autoguidance, 1.0);
    assert_eq!(SampleParams::default().autoguidance, 0.0);
    let labels = [3, 7];
    let run = |model: &Model, params: &SampleParams| model.sample(2, params).unwrap();
    for guidance in [1.0, 3.0] {
        let base = SampleParams { steps: 5, seed: 4, threads: 1, guidance, labels: Some(&labels), ..SampleParams::default() };
        let off = run(&model, &base);
        assert_eq!(off, run(&plain, &base), "guidance {guidance}: weight 0 is the model without a guide");
        let one = run(&model, &SampleParams { autoguidance: 1.0, ..base.clone() });
        assert_ne!(one, off, "guidance {guidance}: weight 1 changes nothing");
        assert_ne!(run(&model, &SampleParams { autoguidance: 2.0, ..base.clone() }), one);
        let stored = SampleParams { steps: 5, seed: 4, threads: 1, guidance, labels: Some(&labels), ..model.recommended_params() };
        assert_eq!(run(&model, &stored), one, "the stored weight 1");
    }
    let base = SampleParams { steps: 5, seed: 4, threads: 1, labels: Some(&labels), ..SampleParams::default() };
    let weighted = SampleParams { autoguidance: 0.5, ..base.clone() };
    assert_eq!(model.generate(2, &weighted).unwrap(), model.decode(&run(&model, &weighted)).unwrap());
    assert_eq!(model.generate(2, &base).unwrap(), plain.generate(2, &base).unwrap());

    let refused = |model: &Model, weight: f32, words: &str| {
        let params = SampleParams { autoguidance: weight, ..base.clone() };
        for error in [
            model.sample(2, &params).unwrap_err(),
            model.generate(2, &params).unwrap_err(),
            model.settings_json(2, &params).unwrap_err(),
        ] {
            assert_eq!(error.status(), Status::InvalidArgument, "{weight}: {error}");
            assert!(error.message().contains(words), "{weight}: {}", error.message());
        }
    };
    refused(&plain, 1.0, "guide denoiser");
    for bad in [f32::NAN, -1.0, 101.0] {
        refused(&model, bad, "autoguidance weight must be in [0, 100]");
    }
    let json = model.settings_json(2, &SampleParams { autoguidance: 0.25, ..base.clone() }).unwrap();
    assert!(json.ends_with(",\"init_noise\":false,\"autoguidance\":0.25}"), "{json}");
}
