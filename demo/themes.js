// The theme switch of themes.html: `data-theme` on the root, kept in the address (`?theme=material`).
const select = document.getElementById('theme');
const apply = (theme) => {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  select.value = theme;
};
apply(new URLSearchParams(location.search).get('theme') ?? '');
select.addEventListener('change', () => {
  apply(select.value);
  const url = new URL(location.href);
  if (select.value) url.searchParams.set('theme', select.value);
  else url.searchParams.delete('theme');
  history.replaceState(null, '', url);
});
