"""Streamlit's own interface texts in French.

Streamlit 1.67 has no translation of its built-in texts (no locale option; streamlit/streamlit
#1353 is open, the file uploader's texts cannot be set: #13500): the uploader says « Upload »
and « 200MB per file », the table toolbars « Download as CSV », « Search », « Fullscreen », the
status « Running... », the skip link « Skip to main content »… `french_interface()` adds, once
per page, a small script (`st.html`, our own static code, no user input) that rewrites those
texts — text and `aria-label` / `title` / `placeholder` attributes — wherever Streamlit draws
them, from the table below; an observer keeps them French as Streamlit redraws. What it cannot
reach (the table cells and column headers are drawn on a canvas: they are ours already) is
listed in README « Decisions ». Elements we do not need are hidden instead (the developer menu).

tests/test_browser_roles.py walks every page for every role and fails on any English text left.
"""

from __future__ import annotations

import json

import streamlit as st

# Exact texts (after trimming) → French.
EXACT = {
    # page frame
    "Skip to main content": "Aller au contenu principal",
    "Running...": "Calcul en cours…",
    "Stop": "Arrêter",
    "Stop script": "Arrêter le calcul",
    "Rerun": "Relancer",
    "Main menu": "Menu principal",
    "App pages": "Pages",
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "Navigate to home page": "Aller à l'accueil",
    "Page not found": "Page introuvable",
    "Connecting": "Connexion…",
    "Connection error": "Connexion perdue",
    "Close": "Fermer",
    "Open": "Ouvrir",
    "Notifications": "Notifications",
    "Link to heading": "Lien vers ce titre",
    # forms and select boxes
    "Press Enter to submit form": "Appuyez sur Entrée pour envoyer",
    "Press Enter to apply": "Appuyez sur Entrée pour appliquer",
    "Choose an option": "Choisissez une option",
    "Choose options": "Choisissez des options",
    "No results": "Aucun résultat",
    "No options to select": "Aucune option",
    "Clear value": "Effacer",
    "Clear all": "Tout effacer",
    "Selected values": "Valeurs choisies",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Show password text": "Afficher le mot de passe",
    "Hide password text": "Masquer le mot de passe",
    # file uploader
    "Upload": "Parcourir",
    "Add files": "Ajouter des fichiers",
    "Drag and drop files here": "Déposez les fichiers ici",
    "Drag and drop a file here": "Déposez le fichier ici",
    "file upload": "déposer des fichiers",
    # element toolbars (tables, charts)
    "Download as CSV": "Télécharger (CSV)",
    "Download as PNG": "Télécharger l'image (PNG)",
    "Download as SVG": "Télécharger l'image (SVG)",
    "Save as PNG": "Enregistrer en PNG",
    "Save as SVG": "Enregistrer en SVG",
    "Save as Image": "Enregistrer l'image",
    "View Source": "Voir la source",
    "View Compiled Vega": "Voir le Vega compilé",
    "Show data": "Voir les données",
    # Vega's own words for screen readers (a chart without a description, the root's role)
    "Vega visualization": "Graphique (ses données sont dans le tableau qui le suit)",
    "visualization": "graphique",
    "Show chart": "Voir le graphique",
    "Download failed": "Le téléchargement a échoué",
    "View less": "Voir moins",
    "Search": "Rechercher",
    "Type to search": "Tapez pour rechercher",
    "Close Search": "Fermer la recherche",
    "Next Result": "Résultat suivant",
    "Previous Result": "Résultat précédent",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Clear selection": "Effacer la sélection",
    # table column menu
    "Dataframe column menu": "Menu de la colonne",
    "Sort ascending": "Trier par ordre croissant",
    "Sort descending": "Trier par ordre décroissant",
    "Pin column": "Épingler la colonne",
    "Unpin column": "Détacher la colonne",
    "Hide column": "Masquer la colonne",
    "Autosize": "Largeur automatique",
    "Format": "Format",
    "Copy column name": "Copier le nom de la colonne",
    "Statistics": "Statistiques",
    "Wrap": "Renvoi à la ligne",
    "Automatic": "Automatique",
    "Localized": "Selon le navigateur",
    "Plain": "Brut",
    "Compact": "Compact",
    "Percent": "Pourcentage",
    "Scientific": "Scientifique",
    "Accounting": "Comptable",
    "Count": "Nombre",
    "Distinct": "Valeurs distinctes",
    "Minimum": "Minimum",
    "Maximum": "Maximum",
    "Average": "Moyenne",
    "Median": "Médiane",
    "Standard deviation": "Écart type",
    "Range": "Étendue",
    "Values": "Valeurs",
    "Empty": "Vide",
    "No data": "Aucune donnée",
    "Loading...": "Chargement…",
    "Select all": "Tout sélectionner",
}

# Texts with a value inside: (JavaScript regular expression, replacement).
PATTERNS = [
    (r"^(\d+)\.(\d+)\s?([KMGT]?)B per file", "$1,$2 $3o par fichier"),
    (r"^(\d+)\s?([KMGT]?)B per file", "$1 $2o par fichier"),
    (r"^(\d+)\.(\d+)\s?([KMGT]?)B$", "$1,$2 $3o"),
    (r"^(\d+)\s?([KMGT]?)B$", "$1 $2o"),
    (r"^Remove (.+)$", "Retirer $1"),
    (r"^Help for (.+)$", "Aide : $1"),
    (r"^Download as (\w+)$", "Télécharger ($1)"),
    (r"^View (\d+) more$", "Voir $1 de plus"),
    (r"^Upload (.+)$", "Déposer $1"),
    # The uploader's own refusals (drawn in the browser, before anything is sent).
    (
        r"^File must be (\d+)\.(\d+)\s?([KMGT]?)B or smaller\.$",
        "Fichier refusé : au plus $1,$2 $3o par fichier.",
    ),
    (
        r"^File must be (\d+)\s?([KMGT]?)B or smaller\.$",
        "Fichier refusé : au plus $1 $2o par fichier.",
    ),
    (r"^(.+) files are not allowed\.$", "Fichier refusé : le type $1 n'est pas accepté."),
    (r"^Unexpected error\. Please try again\.$", "Envoi refusé par le serveur. Réessayez."),
    (
        r"^You have requested page /(.*), but no corresponding file was found in the app's "
        r"pages/ directory\. Running the app's main page\.$",
        "La page /$1 n'existe pas : voici la page d'accueil.",
    ),
    (
        r"^The page that you have requested does not seem to exist\. Running the app's main "
        r"page\.$",
        "La page demandée n'existe pas : voici la page d'accueil.",
    ),
]

# Streamlit's developer menu (theme, print, screencast): not for our users, hidden.
# Captions: Streamlit's faded grey (#828180, and 0.6 opacity in the main area: 2.8:1 on white)
# is below WCAG AA's 4.5:1 for text; a darker grey at full opacity (7:1). The same for the label
# of a disabled select box (#acabaa, 2.3:1), still read.
# The charts' « Copy Vega-Lite spec » button (Streamlit 1.67 shows it whenever the browser
# allows copying; no option turns it off): a developer's tool, in English, hidden too.
CSS = """
[data-testid="stMainMenu"] { display: none; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p { color: #575757 !important; }
span[aria-hidden="true"] > [data-testid="stMarkdownContainer"] p { color: #575757 !important; }
[data-testid="stElementToolbarButton"]:has(button[aria-label^="Copy Vega-Lite spec"]),
[data-testid="stElementToolbarButton"]:has(button[aria-label^="Copied!"]) { display: none; }
"""

# NAV_LIST: Streamlit puts each section of the sidebar's page list (its header and its links) in a
# div inside the list, which screen readers and axe read as a broken list: the list semantics
# are dropped (role "none") where the markup is not a list; the links stay in the labelled
# navigation landmark. (No markup in the script's comments: st.html parses it as HTML.)
_SCRIPT = """
(() => {
  if (window.__parcoursFrench !== undefined) return;
  window.__parcoursFrench = false;
  // Streamlit's page says lang="en" (its static index.html): the dashboard speaks French.
  document.documentElement.lang = "fr";
  const EXACT = %(exact)s;
  const PATTERNS = %(patterns)s.map(([p, r]) => [new RegExp(p), r]);
  const ATTRS = ["aria-label", "title", "placeholder", "aria-roledescription"];
  const french = (text) => {
    const bare = text.trim();
    if (!bare) return null;
    if (Object.prototype.hasOwnProperty.call(EXACT, bare)) return text.replace(bare, EXACT[bare]);
    for (const [re, rep] of PATTERNS) {
      if (re.test(bare)) return text.replace(bare, bare.replace(re, rep));
    }
    return null;
  };
  const fixNode = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const done = french(node.nodeValue || "");
      if (done !== null && done !== node.nodeValue) node.nodeValue = done;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const name of ATTRS) {
      const value = node.getAttribute(name);
      const done = value && french(value);
      if (done && done !== value) node.setAttribute(name, done);
    }
  };
  const fixTree = (root) => {
    fixNode(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    while (walker.nextNode()) fixNode(walker.currentNode);
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "childList") change.addedNodes.forEach(fixTree);
      else fixNode(change.target);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ATTRS,
  });
  fixTree(document.body);
  // The sidebar's page list (see NAV_LIST in the module).
  const fixNavList = () => {
    document.querySelectorAll('[data-testid="stSidebarNavItems"]').forEach((ul) => {
      if ([...ul.children].every((c) => c.tagName === "LI")) return;
      if (ul.getAttribute("role") !== "none") ul.setAttribute("role", "none");
      for (const child of ul.children) {
        if (child.tagName !== "LI" && child.getAttribute("role") !== "none") {
          child.setAttribute("role", "none");
        }
      }
    });
  };
  new MutationObserver(fixNavList).observe(document.body, { subtree: true, childList: true });
  fixNavList();
  window.__parcoursFrench = true;  // the first pass is done (the browser test waits on this)
})();
"""


def script() -> str:
    """The translation script (pure text: tests read the tables it carries)."""
    return _SCRIPT % {
        "exact": json.dumps(EXACT, ensure_ascii=False),
        "patterns": json.dumps(PATTERNS, ensure_ascii=False),
    }


def french_interface() -> None:
    """Streamlit's own texts in French on this page (see the module's docstring)."""
    st.html(f"<style>{CSS}</style><script>{script()}</script>", unsafe_allow_javascript=True)


def for_screen_readers(chart, description: str | None = None):
    """The chart as a screen reader should get it: one French sentence (`description`, else its
    title) for the whole chart, and none of Vega's English per-mark and per-axis texts
    (« X-axis titled … for a linear scale… ») — `aria: false` in the chart's config."""
    chart = chart.copy(deep=["config"])
    title = chart.title if isinstance(getattr(chart, "title", None), str) else None
    chart.description = description or (
        f"Graphique : {title}"
        if title
        else "Graphique (ses données sont dans le tableau qui le suit)"
    )
    import altair as alt

    # `aria: false` hides the guides (axes, legends); on the marks it hides each mark too, which
    # otherwise stays a « graphics-symbol » without a name (axe: svg-img-alt).
    if chart.config is alt.Undefined:
        chart.config = alt.Config()
    chart.config.aria = False
    if chart.config.mark is alt.Undefined:
        chart.config.mark = alt.MarkConfig()
    chart.config.mark.aria = False
    return chart
