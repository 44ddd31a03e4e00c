import type { TOutboundMedia } from "../channel-adapter.js";

export type TMediaKind = "image" | "video" | "audio" | "document";

const extensionKinds: Record<string, TMediaKind> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  gif: "image",
  webp: "image",
  mp4: "video",
  "3gp": "video",
  mov: "video",
  mp3: "audio",
  ogg: "audio",
  aac: "audio",
  amr: "audio",
  m4a: "audio",
  opus: "audio",
};

/** image/video/audio from the MIME type, else from the URL's extension, else document. */
export function mediaKind(media: TOutboundMedia): TMediaKind {
  const type = media.contentType?.toLowerCase() ?? "";
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  if (type !== "") return "document";
  const path = new URL(media.url).pathname;
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return extensionKinds[extension] ?? "document";
}
