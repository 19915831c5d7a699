// Forms marked data-autosubmit continue by themselves; without JavaScript their button does it.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
