//! The Rust binding against the library, with the test fixture model
//! (Tests/Fixtures/models/tiny-mnist.safetensors) and the shipped MNIST model.
use std::ops::ControlFlow;
use std::panic;
use std::path::PathBuf;

use latentdiff::{CodecParams, Model, SampleParams, Sampler, Split, Status};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tiny() -> Model {
    Model::load(root().join("Tests/Fixtures/models/tiny-mnist.safetensors")).expect("the fixture model loads")
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
}

#[test]
fn shipped_models_recommend_their_guidance() {
    let mnist = Model::load(root().join("models/mnist.safetensors")).unwrap();
    assert_eq!(mnist.info().default_guidance, 1.5);
    let params = mnist.recommended_params();
    assert_eq!((params.guidance, params.steps, params.sampler), (1.5, 20, Sampler::DpmSolver));
    let cifar = Model::load(root().join("models/cifar10.safetensors")).unwrap();
    assert_eq!(cifar.info().default_guidance, 6.0);
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
