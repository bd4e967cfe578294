//! Fonts and spacing. egui's proportional font (Ubuntu Light) lacks the
//! arrows and shapes the window uses (→ ▶ ● ◆ ▲ ⊗ ↻ ⊘); the bundled Hack
//! font has them, so it is added as the proportional family's fallback.

use egui::{Context, FontDefinitions, FontFamily};

/// Sets the window's fonts and style on `ctx`.
pub fn setup(ctx: &Context) {
    let mut fonts = FontDefinitions::default();
    if let Some(list) = fonts.families.get_mut(&FontFamily::Proportional)
        && !list.iter().any(|f| f == "Hack")
    {
        let at = list
            .iter()
            .position(|f| f == "Ubuntu-Light")
            .map_or(0, |i| i + 1);
        list.insert(at, "Hack".to_owned());
    }
    ctx.set_fonts(fonts);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 5.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}
