import { useEffect } from "react";

const APP_TITLE = "Reeldrop";

/**
 * The tab's title while the component is shown: `"<title> · Reeldrop"` (null: leave it alone),
 * back to "Reeldrop" when it goes. Next.js streams the route's metadata `<title>` into the head
 * on its own schedule, and a `<title>` it adds before ours wins (`document.title` reads the
 * first): CI saw the job page's tab say "Reeldrop" that way. So the title is put back whenever
 * the document changes it. One component on a page sets the title (two with different titles
 * would take it from each other without end).
 */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    if (title === null) return;
    const wanted = `${title} · ${APP_TITLE}`;
    const keep = () => {
      if (document.title !== wanted) document.title = wanted;
    };
    keep();
    const observer = new MutationObserver(keep);
    observer.observe(document.head, { childList: true, subtree: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = APP_TITLE;
    };
  }, [title]);
}
