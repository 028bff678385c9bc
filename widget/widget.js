/*
 * Website chat widget for the microneedling FAQ assistant.
 *
 * Embed with one line, served by the assistant's own Rasa server:
 *   <script src="https://ASSISTANT-HOST/webhooks/widget/widget.js" defer></script>
 * Optional attributes: data-server-url, data-title, data-greeting, data-color,
 * data-text-color (see docs/widget.md).
 *
 * No dependencies and no build step. Security rules this file keeps:
 * - bot text never reaches an HTML parser: the Markdown subset below builds DOM
 *   nodes with createElement and text nodes, never from markup strings;
 * - links only for http, https, mailto and tel, opened in a new tab without opener;
 * - every request goes to the assistant's server, nothing else is loaded.
 */
(function () {
  "use strict";

  if (window.ClinicChat && window.ClinicChat.loaded) {
    return; // the tag was pasted twice
  }

  var WEBHOOK_PATH = "/webhooks/rest/webhook";
  var GREETING_PAYLOAD = "/greet";
  var REQUEST_TIMEOUT_MS = 30000;
  var HISTORY_MAX_AGE_MS = 24 * 60 * 60 * 1000; // a transcript older than a day is dropped
  var HISTORY_MAX_MESSAGES = 200;
  var MAX_MESSAGE_CHARS = 2000; // the webhook's own limit
  var SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:"];
  var SVG_NS = "http://www.w3.org/2000/svg";

  // ---------------------------------------------------------------- config

  function currentScript() {
    if (document.currentScript) return document.currentScript;
    var scripts = document.querySelectorAll('script[src*="/webhooks/widget/widget.js"]');
    return scripts[scripts.length - 1] || null;
  }

  function validColor(value) {
    return typeof value === "string" && value.length < 64 && window.CSS && CSS.supports("color", value) ? value : null;
  }

  function trimSlash(url) {
    return url.replace(/\/+$/, "");
  }

  /** Settings from the script tag; the server URL defaults to where the script came from. */
  function readConfig(script) {
    var data = (script && script.dataset) || {};
    var src = script && script.src ? script.src : window.location.href;
    var marker = src.indexOf("/webhooks/widget/");
    var serverUrl = trimSlash(data.serverUrl || (marker > 0 ? src.slice(0, marker) : new URL(src).origin));
    return {
      serverUrl: serverUrl,
      webhookUrl: serverUrl + WEBHOOK_PATH,
      stylesheetUrl: new URL("widget.css", src).href,
      title: (data.title || "Questions about microneedling?").slice(0, 80),
      greeting: data.greeting ? data.greeting.slice(0, 500) : null,
      color: validColor(data.color),
      textColor: validColor(data.textColor),
      storageKey: "clinic-chat:v1:" + serverUrl,
    };
  }

  // -------------------------------------------------------------- markdown

  function safeHref(raw) {
    var url;
    try {
      url = new URL(raw); // absolute URLs only; the parser normalises "JaVa\tScript:"
    } catch (error) {
      return null;
    }
    return SAFE_PROTOCOLS.indexOf(url.protocol) >= 0 ? url.href : null;
  }

  function link(href, label, depth) {
    var anchor = document.createElement("a");
    anchor.href = href;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    appendInline(anchor, label, depth + 1, false);
    return anchor;
  }

  // Earliest match wins; on a tie, the earlier rule. `lead` = characters of the
  // match before the marker (JavaScript engines without look-behind).
  var INLINE_RULES = [
    { kind: "link", re: /\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)/g, lead: 0 },
    { kind: "strong", re: /\*\*(\S(?:[^\n]*?\S)?)\*\*/g, lead: 0 },
    { kind: "strong", re: /__(\S(?:[^\n]*?\S)?)__/g, lead: 0 },
    { kind: "em", re: /(^|[^\w*])\*([^\s*](?:[^*\n]*?[^\s*])?)\*(?![\w*])/g, lead: 1 },
    { kind: "em", re: /(^|[^\w])_([^\s_](?:[^_\n]*?[^\s_])?)_(?!\w)/g, lead: 1 },
    { kind: "url", re: /\bhttps?:\/\/[^\s<>"'`]+/g, lead: 0 },
    { kind: "email", re: /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, lead: 0 },
    { kind: "phone", re: /\+\d[\d -]{5,18}\d/g, lead: 0 },
  ];

  /** Append `text` to `parent` with **bold**, _italic_, links; everything else stays text. */
  function appendInline(parent, text, depth, allowLinks) {
    var position = 0;
    while (position < text.length) {
      var best = null;
      if (depth < 4) {
        for (var i = 0; i < INLINE_RULES.length; i++) {
          var rule = INLINE_RULES[i];
          if (!allowLinks && rule.kind !== "strong" && rule.kind !== "em") continue;
          rule.re.lastIndex = position;
          var match = rule.re.exec(text);
          if (!match) continue;
          var start = match.index + (rule.lead ? match[1].length : 0);
          if (!best || start < best.start) best = { rule: rule, match: match, start: start };
        }
      }
      if (!best) {
        parent.append(text.slice(position));
        return;
      }
      parent.append(text.slice(position, best.start));
      var m = best.match;
      var end = m.index + m[0].length;
      var kind = best.rule.kind;
      if (kind === "strong" || kind === "em") {
        var element = document.createElement(kind);
        appendInline(element, kind === "em" ? m[2] : m[1], depth + 1, allowLinks);
        parent.append(element);
      } else if (kind === "link") {
        var href = safeHref(m[2]);
        if (href) parent.append(link(href, m[1], depth));
        else appendInline(parent, m[1], depth + 1, false); // unsafe target: keep the label as text
      } else {
        var raw = m[0];
        var trailing = kind === "url" ? /[.,;:!?)\]]+$/.exec(raw) : null;
        if (trailing) {
          raw = raw.slice(0, raw.length - trailing[0].length);
          end -= trailing[0].length;
        }
        var target =
          kind === "url" ? safeHref(raw) : kind === "email" ? "mailto:" + raw : "tel:" + raw.replace(/[ -]/g, "");
        if (target) parent.append(link(target, raw, depth));
        else parent.append(raw);
      }
      position = end;
    }
  }

  /** Render the Markdown subset the answers use into a DocumentFragment: paragraphs, lists, inline. */
  function renderMarkdown(text) {
    var fragment = document.createDocumentFragment();
    var lines = String(text == null ? "" : text)
      .replace(/\r\n?/g, "\n")
      .split("\n");
    var paragraph = null;
    var list = null;
    lines.forEach(function (line) {
      var trimmed = line.trim();
      if (!trimmed) {
        paragraph = null;
        list = null;
        return;
      }
      var bullet = /^[-*•]\s+(.*)$/.exec(trimmed);
      var numbered = bullet ? null : /^(\d{1,4})[.)]\s+(.*)$/.exec(trimmed);
      if (bullet || numbered) {
        var tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = document.createElement(tag);
          if (numbered && numbered[1] !== "1") list.start = parseInt(numbered[1], 10);
          fragment.append(list);
        }
        var item = document.createElement("li");
        appendInline(item, bullet ? bullet[1] : numbered[2], 0, true);
        list.append(item);
        paragraph = null;
        return;
      }
      list = null;
      if (paragraph) {
        paragraph.append(document.createElement("br"));
      } else {
        paragraph = document.createElement("p");
        fragment.append(paragraph);
      }
      appendInline(paragraph, trimmed, 0, true);
    });
    return fragment;
  }

  // ----------------------------------------------------------------- state

  function randomSenderId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return (
      "web-" +
      Array.prototype.map
        .call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        })
        .join("")
    );
  }

  function freshState() {
    return { version: 1, sender: randomSenderId(), messages: [], updatedAt: Date.now() };
  }

  /**
   * Transcript and sender id in localStorage: the same for every page and tab of
   * the clinic's site, so the conversation goes on after a reload. Falls back to
   * memory when storage is blocked (some private modes).
   */
  function createStore(key) {
    var memory = null;
    function storage() {
      try {
        return window.localStorage;
      } catch (error) {
        return null;
      }
    }
    function valid(state) {
      return (
        state &&
        state.version === 1 &&
        typeof state.sender === "string" &&
        /^[A-Za-z0-9_.:@-]{1,128}$/.test(state.sender) &&
        Array.isArray(state.messages) &&
        Date.now() - state.updatedAt < HISTORY_MAX_AGE_MS
      );
    }
    return {
      key: key,
      load: function () {
        var state = memory;
        var store = storage();
        if (store) {
          try {
            state = JSON.parse(store.getItem(key));
          } catch (error) {
            state = memory;
          }
        }
        return valid(state) ? state : freshState();
      },
      save: function (state) {
        state.updatedAt = Date.now();
        state.messages = state.messages.slice(-HISTORY_MAX_MESSAGES);
        memory = state;
        var store = storage();
        try {
          if (store) store.setItem(key, JSON.stringify(state));
        } catch (error) {
          /* quota or blocked storage: memory copy stays */
        }
      },
      clear: function () {
        memory = null;
        var store = storage();
        try {
          if (store) store.removeItem(key);
        } catch (error) {
          /* nothing stored */
        }
      },
    };
  }

  // ------------------------------------------------------------- transport

  function ChatUnavailable(reason) {
    this.reason = reason;
  }

  function normaliseReplies(data) {
    if (!Array.isArray(data)) throw new ChatUnavailable("bad-reply");
    var replies = [];
    data.forEach(function (item) {
      if (!item || typeof item !== "object") return;
      var text = typeof item.text === "string" ? item.text : "";
      var buttons = (Array.isArray(item.buttons) ? item.buttons : [])
        .filter(function (b) {
          return b && typeof b.title === "string" && typeof b.payload === "string" && b.title.trim();
        })
        .slice(0, 16)
        .map(function (b) {
          return { title: b.title.slice(0, 120), payload: b.payload.slice(0, MAX_MESSAGE_CHARS) };
        });
      if (text.trim() || buttons.length) replies.push({ from: "bot", text: text, buttons: buttons });
    });
    return replies;
  }

  /** POST one message to the REST webhook; the bot's replies, or ChatUnavailable. */
  function sendToAssistant(config, sender, message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
    }, REQUEST_TIMEOUT_MS);
    return fetch(config.webhookUrl, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender, message: message }),
      signal: controller ? controller.signal : undefined,
    })
      .then(
        function (reply) {
          if (!reply.ok) throw new ChatUnavailable("http-" + reply.status);
          return reply.json().then(normaliseReplies, function () {
            throw new ChatUnavailable("bad-reply");
          });
        },
        function () {
          throw new ChatUnavailable("network");
        },
      )
      .finally(function () {
        clearTimeout(timer);
      });
  }

  // -------------------------------------------------------------------- UI

  function el(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") element.textContent = attributes[name];
      else element.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      element.append(child);
    });
    return element;
  }

  /** A small inline SVG icon from path data (built node by node, no markup strings). */
  function icon(paths) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.append(path);
    });
    return svg;
  }

  var ICONS = {
    chat: ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"],
    close: ["M6 6l12 12", "M18 6L6 18"],
    restart: ["M3 12a9 9 0 1 0 3-6.7", "M3 4v5h5"],
    send: ["M4 12l16-8-6 16-2-7-8-1z"],
  };

  function Widget(config) {
    this.config = config;
    this.store = createStore(config.storageKey);
    this.state = this.store.load();
    this.pending = null; // {text, shownAs, typed} while a request is out
    this.failed = null; // what to retry after a failure
    this.generation = 0; // bumped by restart: late replies of an old conversation are dropped
    this.build();
    this.render();
    var self = this;
    window.addEventListener("storage", function (event) {
      if (event.key === config.storageKey) {
        self.state = self.store.load();
        self.render();
      }
    });
    if (this.wasOpen()) this.open(false);
  }

  Widget.prototype.build = function () {
    var config = this.config;
    var host = el("div", { id: "clinic-chat-widget" });
    host.style.display = "none"; // shown once the stylesheet has loaded (CSSOM, allowed under CSP)
    if (config.color) host.style.setProperty("--cc-accent", config.color);
    if (config.textColor) host.style.setProperty("--cc-on-accent", config.textColor);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var stylesheet = el("link", { rel: "stylesheet", href: config.stylesheetUrl });
    stylesheet.addEventListener("load", function () {
      host.style.display = "";
    });
    stylesheet.addEventListener("error", function () {
      host.style.display = "";
    });

    this.launcher = el("button", {
      type: "button",
      class: "cc-launcher",
      "aria-label": "Open chat",
      "aria-expanded": "false",
      "aria-controls": "cc-panel",
    });
    this.launcher.append(icon(ICONS.chat), icon(ICONS.close));

    var title = el("h2", { id: "cc-title", class: "cc-title", text: config.title });
    var subtitle = el("p", { class: "cc-subtitle", text: "Automated assistant · general information, not medical advice" });
    this.restartButton = el("button", {
      type: "button",
      class: "cc-icon-button",
      "aria-label": "Restart conversation",
      title: "Restart conversation",
    });
    this.restartButton.append(icon(ICONS.restart));
    this.closeButton = el("button", { type: "button", class: "cc-icon-button", "aria-label": "Close chat", title: "Close chat" });
    this.closeButton.append(icon(ICONS.close));
    var header = el("div", { class: "cc-header" }, [
      el("div", { class: "cc-heading" }, [title, subtitle]),
      el("div", { class: "cc-actions" }, [this.restartButton, this.closeButton]),
    ]);

    this.log = el("div", {
      class: "cc-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    this.error = el("div", { class: "cc-error", role: "alert" });
    this.error.hidden = true;
    this.input = el("textarea", {
      id: "cc-input",
      class: "cc-input",
      rows: "1",
      maxlength: String(MAX_MESSAGE_CHARS),
      placeholder: "Type your question…",
      "aria-label": "Your message",
      autocomplete: "off",
    });
    this.sendButton = el("button", { type: "submit", class: "cc-send", "aria-label": "Send message" });
    this.sendButton.append(icon(ICONS.send));
    this.form = el("form", { class: "cc-composer", "aria-label": "Send a message" }, [this.input, this.sendButton]);

    this.panel = el(
      "div",
      { id: "cc-panel", class: "cc-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "cc-title" },
      [header, this.log, this.error, this.form],
    );
    this.panel.hidden = true;

    root.append(stylesheet, this.launcher, this.panel);
    (document.body || document.documentElement).append(host);
    this.host = host;
    this.bind();
  };

  Widget.prototype.bind = function () {
    var self = this;
    this.launcher.addEventListener("click", function () {
      if (self.panel.hidden) self.open(true);
      else self.close();
    });
    this.closeButton.addEventListener("click", function () {
      self.close();
    });
    this.restartButton.addEventListener("click", function () {
      self.restart();
    });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        self.close();
      }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submitTyped();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submitTyped();
      }
    });
    this.input.addEventListener("input", function () {
      self.autosize();
    });
  };

  Widget.prototype.wasOpen = function () {
    try {
      return window.sessionStorage.getItem(this.config.storageKey + ":open") === "1";
    } catch (error) {
      return false;
    }
  };

  Widget.prototype.rememberOpen = function (isOpen) {
    try {
      window.sessionStorage.setItem(this.config.storageKey + ":open", isOpen ? "1" : "0");
    } catch (error) {
      /* per-tab convenience only */
    }
  };

  Widget.prototype.open = function (moveFocus) {
    this.panel.hidden = false;
    this.host.classList.add("cc-open");
    this.launcher.classList.add("cc-is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close chat");
    this.rememberOpen(true);
    this.render(); // layout exists only now, so the scroll position is set here
    if (moveFocus) this.input.focus();
    if (!this.state.messages.length && !this.pending) this.greet();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.host.classList.remove("cc-open");
    this.launcher.classList.remove("cc-is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", "Open chat");
    this.rememberOpen(false);
    this.launcher.focus();
  };

  Widget.prototype.greet = function () {
    this.send({ message: GREETING_PAYLOAD, shownAs: null, typed: false, greeting: true });
  };

  Widget.prototype.restart = function () {
    this.generation += 1;
    this.pending = null;
    this.failed = null;
    this.store.clear();
    this.state = freshState(); // a new sender id: the old conversation's context is gone for good
    this.input.value = "";
    this.autosize();
    this.render();
    this.greet();
    this.input.focus();
  };

  Widget.prototype.submitTyped = function () {
    var text = this.input.value.trim();
    if (!text || this.pending) return;
    this.input.value = "";
    this.autosize();
    this.send({ message: text, shownAs: text, typed: true, greeting: false });
  };

  Widget.prototype.chooseQuickReply = function (button) {
    if (this.pending) return;
    this.send({ message: button.payload, shownAs: button.title, typed: false, greeting: false });
    this.input.focus();
  };

  /** Send one message; on success store it with the replies, on failure give the text back and offer a retry. */
  Widget.prototype.send = function (request) {
    var self = this;
    var generation = this.generation;
    this.pending = request;
    this.failed = null;
    this.render();
    sendToAssistant(this.config, this.state.sender, request.message).then(
      function (replies) {
        if (generation !== self.generation) return;
        if (request.greeting && self.config.greeting && replies.length) {
          replies[0].text = self.config.greeting; // the page's own welcome; the topic buttons stay
        }
        var state = self.store.load(); // another tab may have written meanwhile
        if (state.sender !== self.state.sender) state = self.state;
        if (request.shownAs !== null) state.messages.push({ from: "user", text: request.shownAs });
        state.messages = state.messages.concat(replies);
        self.store.save(state);
        self.state = state;
        self.pending = null;
        self.render();
      },
      function () {
        if (generation !== self.generation) return;
        self.pending = null;
        self.failed = request;
        if (request.typed && !self.input.value.trim()) {
          self.input.value = request.message; // nothing typed is lost
          self.autosize();
        }
        self.render();
      },
    );
  };

  Widget.prototype.retry = function () {
    var request = this.failed;
    if (!request || this.pending) return;
    if (request.typed) this.submitTyped();
    else this.send(request);
  };

  Widget.prototype.autosize = function () {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 120) + "px";
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  function messageRow(message) {
    var mine = message.from === "user";
    var bubble = el("div", { class: "cc-bubble" });
    if (mine) bubble.textContent = message.text;
    else bubble.append(renderMarkdown(message.text));
    return el("div", { class: "cc-message " + (mine ? "cc-user" : "cc-bot") }, [
      el("span", { class: "cc-visually-hidden", text: mine ? "You said:" : "Assistant said:" }),
      bubble,
    ]);
  }

  /** Redraw the transcript. Quick replies are offered only for the bot's latest turn. */
  // Rating buttons under an FAQ answer (payloads from actions/answer_builder.py FEEDBACK_BUTTONS).
  var RATING_LABELS = { "/feedback_helpful": "This answer helped", "/feedback_not_helpful": "This answer did not help" };

  function isRating(button) {
    return typeof button.payload === "string" && button.payload.indexOf("/feedback_") === 0;
  }

  Widget.prototype.render = function () {
    var self = this;
    var messages = this.state.messages;
    var lastUser = -1;
    messages.forEach(function (message, index) {
      if (message.from === "user") lastUser = index;
    });
    var rows = [];
    var anchor = null; // the latest question: scrolled to the top so a long answer is read from its start
    messages.forEach(function (message, index) {
      if (!message.text.trim() && !(message.buttons && message.buttons.length)) return;
      if (message.text.trim()) {
        var row = messageRow(message);
        if (index === lastUser) anchor = row;
        rows.push(row);
      }
      if (message.from === "bot" && index > lastUser && !self.pending && message.buttons && message.buttons.length) {
        var topics = message.buttons.filter(function (button) {
          return !isRating(button);
        });
        var ratings = message.buttons.filter(isRating);
        if (topics.length) {
          var group = el("div", { class: "cc-quick-replies", role: "group", "aria-label": "Suggested questions" });
          topics.forEach(function (button) {
            var chip = el("button", { type: "button", class: "cc-chip", text: button.title });
            chip.addEventListener("click", function () {
              self.chooseQuickReply(button);
            });
            group.append(chip);
          });
          rows.push(group);
        }
        if (ratings.length) {
          // Small 👍 / 👎 under the answer; their names say what they do for screen readers.
          var rating = el("div", { class: "cc-rating", role: "group", "aria-label": "Was this answer helpful?" });
          ratings.forEach(function (button) {
            var label = RATING_LABELS[button.payload] || button.title;
            var control = el("button", { type: "button", class: "cc-rate", text: button.title, "aria-label": label, title: label });
            control.addEventListener("click", function () {
              self.send({ message: button.payload, shownAs: label, typed: false, greeting: false });
              self.input.focus();
            });
            rating.append(control);
          });
          rows.push(rating);
        }
      }
    });
    if (this.pending && this.pending.shownAs !== null) {
      var pendingRow = messageRow({ from: "user", text: this.pending.shownAs });
      pendingRow.classList.add("cc-pending");
      rows.push(pendingRow);
    }
    if (this.pending) {
      rows.push(
        el("div", { class: "cc-message cc-bot cc-typing", role: "status", "aria-label": "The assistant is typing" }, [
          el("div", { class: "cc-bubble" }, [el("span"), el("span"), el("span")]),
        ]),
      );
    }
    this.log.replaceChildren.apply(this.log, rows);
    this.renderError();
    this.sendButton.disabled = !!this.pending;
    this.panel.setAttribute("aria-busy", this.pending ? "true" : "false");
    if (anchor && !this.pending) this.log.scrollTop = Math.max(0, anchor.offsetTop - 8);
    else this.scrollToEnd();
  };

  Widget.prototype.renderError = function () {
    var self = this;
    if (!this.failed) {
      this.error.hidden = true;
      this.error.replaceChildren();
      return;
    }
    var offline = navigator.onLine === false;
    var retry = el("button", { type: "button", class: "cc-retry", text: "Retry" });
    retry.addEventListener("click", function () {
      self.retry();
    });
    this.error.replaceChildren(
      el("p", {
        text: offline
          ? "You seem to be offline, so your message was not sent."
          : "Sorry, the assistant can't be reached right now, so your message was not sent.",
      }),
      retry,
    );
    this.error.hidden = false;
  };

  function start() {
    var widget = new Widget(readConfig(script));
    window.ClinicChat.open = function () {
      widget.open(true);
    };
    window.ClinicChat.close = function () {
      widget.close();
    };
    window.ClinicChat.restart = function () {
      widget.restart();
    };
  }

  var script = currentScript();
  window.ClinicChat = { loaded: true, renderMarkdown: renderMarkdown };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
