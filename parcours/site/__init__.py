"""The public observatory (INTERFACES §5): static pages, SVG charts and open data made from
closed years only. `catalogue` declares the public figures, `tables` reads a closed year at every
level, `disclosure` masks the whole year at once, `render` writes files, `build` the site."""
