// The console's only script of its own: copying a policy to the clipboard.
window.digiusher = {
  copy: async function (text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  }
};
