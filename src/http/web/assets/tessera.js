// Progressive enhancement for Tessera's pages: everything works without this file; with it, the
// copy button copies, the expiry date shows only when chosen, scopes follow the chosen role, and a
// sign-out the console asked for needs no second click.

const copyButtons = () => {
  for (const button of document.querySelectorAll('button[data-copy-target]')) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        if (status) status.textContent = 'Copied to the clipboard.';
      } catch {
        field.focus();
        field.select();
        if (status)
          status.textContent = 'Copying is blocked here: the token is selected, press Ctrl+C or ⌘C.';
      }
    });
  }
  for (const field of document.querySelectorAll('input[data-select-on-focus]')) {
    field.addEventListener('focus', () => field.select());
  }
};

const expiryChoice = () => {
  for (const select of document.querySelectorAll('select[data-expiry-select]')) {
    const dateField = document.getElementById(select.dataset.expirySelect);
    if (!dateField) continue;
    const input = dateField.querySelector('input');
    const sync = () => {
      const custom = select.value === 'date';
      dateField.hidden = !custom;
      if (input) input.disabled = !custom;
    };
    select.addEventListener('change', () => {
      sync();
      if (select.value === 'date' && input) input.focus();
    });
    sync();
  }
};

const scopesFollowRole = () => {
  for (const select of document.querySelectorAll('select[data-role-select]')) {
    const form = select.form;
    if (!form) continue;
    const sync = () => {
      for (const box of form.querySelectorAll('input[data-roles]')) {
        const allowed = box.dataset.roles.split(' ').includes(select.value);
        box.disabled = !allowed;
        if (!allowed) box.checked = false;
        box.closest('.check')?.classList.toggle('unavailable', !allowed);
      }
    };
    select.addEventListener('change', sync);
    sync();
  }
};

const autoSubmit = () => {
  const button = document.querySelector('button[data-auto-submit]');
  if (button) button.click();
};

copyButtons();
expiryChoice();
scopesFollowRole();
autoSubmit();
