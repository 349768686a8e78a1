//! Regenerates the demo city's reference files (boundaries/, fixtures/demo/) in the
//! crate root: `cargo run --example gen_demo`.

use std::path::Path;

use hotspot::catalog::Catalog;
use hotspot::demo;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::load(&root.join("fixtures/catalog.toml"))?;
    let city = demo::generate(&catalog);
    demo::write_reference_files(&city, root)?;
    println!(
        "Riverton: {} street segments, {} addresses, {} requests, {} planted hot spots",
        city.streets.features.len(),
        city.addresses.len(),
        city.requests.len(),
        city.planted.len()
    );
    Ok(())
}
