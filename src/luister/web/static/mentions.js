// The mention list: "select all on this page" ticks every mention's box for a bulk action.
document.querySelectorAll("[data-select-all]").forEach((all) => {
  all.addEventListener("change", () => {
    document.querySelectorAll('input[name=id][form=bulk]').forEach((box) => { box.checked = all.checked; });
  });
});
