import streamlit as st

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")
st.title("Parcours")
st.info("Le tableau de bord arrive bientôt.")
