#!/usr/bin/env bash
# Fetches five free desktop icon themes from Debian and lays them out as one labelled image
# folder, one PNG per icon and theme, labelled by the freedesktop.org icon category:
#     OUT/<category>/<theme>-<icon name>.png    category: actions, apps, devices, mimetypes, ...
# Themes (each package's copyright file is copied to OUT/COPYRIGHT-<package>.txt):
#     oxygen-icon-theme   KDE's Oxygen icons       LGPL-3+ or CC BY-SA 3.0
#     mate-icon-theme     the MATE desktop's icons  CC BY-SA 3.0 / GPL-2+ (see its copyright)
#     tango-icon-theme    the Tango Desktop Project public domain
#     gnome-icon-theme    GNOME's classic icons     GPL-3 / CC BY-SA 3.0 (see its copyright)
#     elementary-xfce-icon-theme  elementary for Xfce  GPL-2+ (see its copyright)
# Each icon is taken at 64x64 when drawn at that size, else at 48x48, then at the nearest larger
# size, then 32x32 (smaller drawings are left out); `latentdiff train-all --size 32` box-filters
# them down. Symlinked icons (aliases of another icon) are left out: each drawing appears once
# per theme.
#     scripts/get_icons.sh [OUT]          (default: data/icons; needs apt-get and dpkg-deb)
set -euo pipefail
out=${1:-data/icons}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages="oxygen-icon-theme mate-icon-theme tango-icon-theme gnome-icon-theme elementary-xfce-icon-theme"
(cd "$work" && apt-get download $packages > /dev/null 2>&1) || {
    echo "apt-get download $packages failed (run apt-get update first)" >&2; exit 1; }
mkdir -p "$out"
for package in $packages; do
    dpkg-deb -x "$work/${package}"_*.deb "$work/root"
    cp "$work/root/usr/share/doc/$package/copyright" "$out/COPYRIGHT-$package.txt"
    echo "$package $(dpkg-deb -f "$work/${package}"_*.deb Version)" >> "$out/VERSIONS.txt"
done
declare -A roots=([oxygen]=oxygen/base [mate]=mate [tango]=Tango [gnome]=gnome [elementary]=elementary-xfce)
for theme in oxygen mate tango gnome elementary; do
    base="$work/root/usr/share/icons/${roots[$theme]}"
    for category in actions apps categories devices emblems emotes mimetypes places status; do
        for size in 64x64 48x48 128x128 256x256 32x32; do
            # Themes lay out SIZE/CATEGORY (64x64/apps) or CATEGORY/SIDE (apps/64; mimes = mimetypes).
            folder="$base/$size/$category"
            [ -d "$folder" ] || folder="$base/${category/mimetypes/mimes}/${size%%x*}"
            [ -d "$folder" ] || continue
            for icon in "$folder"/*.png; do
                [ -f "$icon" ] && [ ! -L "$icon" ] || continue
                target="$out/$category/$theme-$(basename "$icon")"
                [ -e "$target" ] && continue
                mkdir -p "$out/$category"
                cp "$icon" "$target"
            done
        done
    done
done
echo "$out: $(find "$out" -name '*.png' | wc -l) icons:"
for category in "$out"/*/; do printf '  %-12s %5d\n' "$(basename "$category")" "$(ls "$category" | wc -l)"; done
