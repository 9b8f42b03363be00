// The reading page follows the voice: it marks the pair, the paragraph or sentence
// and the word being spoken, keeps the one being spoken in view, plays from a
// clicked paragraph, sentence or word, and runs the toolbar and the keys (play,
// previous/next, repeat, speed, languages). A classic script, so it runs from file://.
(function () {
  "use strict";

  var audio = document.getElementById("player");
  var book = document.getElementById("book");
  if (!audio || !book) {
    return;
  }
  var bar = document.querySelector(".bar");
  var controls = document.querySelector(".controls");
  var playButton = document.getElementById("play");
  var speedShown = document.getElementById("speed");
  var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var SLOWEST = 0.5;
  var FASTEST = 1.5;

  function all(selector) {
    return Array.prototype.slice.call(book.querySelectorAll(selector));
  }

  // When an element is heard, in seconds: data-spans "start-end start-end" (ms),
  // else data-start-ms/data-end-ms.
  function spansOf(el) {
    var spans = el.getAttribute("data-spans");
    if (spans === null) {
      return [[Number(el.getAttribute("data-start-ms")) / 1000,
               Number(el.getAttribute("data-end-ms")) / 1000]];
    }
    return spans.split(" ").filter(Boolean).map(function (span) {
      var times = span.split("-");
      return [Number(times[0]) / 1000, Number(times[1]) / 1000];
    });
  }

  // Every time an element of one kind is heard, in time order.
  function timeline(elements) {
    var heard = [];
    elements.forEach(function (el) {
      spansOf(el).forEach(function (span) {
        heard.push({ el: el, start: span[0], end: span[1] });
      });
    });
    heard.sort(function (a, b) { return a.start - b.start; });
    return heard;
  }

  // The index of the last entry started by t, or -1.
  function lastStartedBy(heard, t) {
    var low = 0;
    var high = heard.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (heard[middle].start <= t + 0.001) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  // The entry being heard at t, or null (a pause).
  function heardAt(heard, t) {
    var i = lastStartedBy(heard, t);
    return i >= 0 && t < heard[i].end ? heard[i] : null;
  }

  var pairs = timeline(all(".pair"));
  var levels = {
    text: timeline(all(".text[data-start-ms]")),
    sentence: timeline(all(".sentence[data-spans]")),
    word: timeline(all(".w[data-spans]"))
  };
  // What R repeats: the sentence in a sentence book, else the paragraph.
  var repeatable = levels.sentence.length ? levels.sentence : levels.text;
  var current = { pair: null, text: null, sentence: null, word: null };
  var followed = null;

  function setClass(level, el, name) {
    if (current[level] === el) {
      return false;
    }
    if (current[level]) {
      current[level].classList.remove(name);
      current[level].removeAttribute("aria-current");
    }
    if (el) {
      el.classList.add(name);
      el.setAttribute("aria-current", "true");
    }
    current[level] = el;
    return true;
  }

  function shown(el) {
    return el && el.getClientRects().length > 0;
  }

  // Scroll only when the element leaves the band between the sticky bar and the
  // bottom of the window; then bring it to the middle of that band (or its top
  // under the bar, when it is taller than the band).
  function follow(el) {
    var rect = el.getBoundingClientRect();
    var top = bar ? Math.max(0, bar.getBoundingClientRect().bottom) : 0;
    var bottom = window.innerHeight;
    var room = bottom - top;
    if (rect.top >= top + 4 && rect.bottom <= bottom - room * 0.1) {
      return;
    }
    var at = rect.height < room * 0.6 ? top + (room - rect.height) / 2 : top + 8;
    window.scrollTo({ top: window.scrollY + rect.top - at, behavior: calm ? "auto" : "smooth" });
  }

  function mark(t, following) {
    var i = lastStartedBy(pairs, t);
    var pair = pairs.length ? pairs[Math.max(0, i)].el : null;
    setClass("pair", pair, "current");
    ["text", "sentence", "word"].forEach(function (level) {
      var entry = heardAt(levels[level], t);
      setClass(level, entry ? entry.el : null, "speaking");
    });
    if (!following) {
      return;
    }
    // Follow the most precise element being spoken that is on show; in a pause,
    // the pair's first paragraph on show.
    var target = [current.word, current.sentence, current.text].filter(shown)[0];
    if (!target && pair) {
      target = Array.prototype.filter.call(pair.querySelectorAll(".text"), shown)[0] || pair;
    }
    if (target && target !== followed && !readingElsewhere()) {
      follow(target);
      followed = target;
    }
  }

  // A reader who scrolls by hand is left there for a while, not pulled back.
  var scrolledByHand = -Infinity;
  function readingElsewhere() {
    return window.performance.now() - scrolledByHand < 4000;
  }
  ["wheel", "touchmove"].forEach(function (name) {
    window.addEventListener(name, function () {
      scrolledByHand = window.performance.now();
    }, { passive: true });
  });

  var ticking = false;
  function tick() {
    mark(audio.currentTime, true);
    if (!audio.paused && !audio.ended) {
      window.requestAnimationFrame(tick);
    } else {
      ticking = false;
    }
  }

  function play() {
    var playing = audio.play();
    if (playing && playing.catch) {
      playing.catch(function () {}); // refused autoplay: the controls still work
    }
  }

  function toggle() {
    if (audio.paused) {
      play();
    } else {
      audio.pause();
    }
  }

  function seek(seconds) {
    scrolledByHand = -Infinity; // a seek asks to see the new place
    followed = null;
    var end = isFinite(audio.duration) ? audio.duration : seconds;
    audio.currentTime = Math.max(0, Math.min(seconds, end));
    mark(audio.currentTime, true);
  }

  function playFrom(seconds) {
    seek(seconds);
    play();
  }

  function step(by) {
    if (!pairs.length) {
      return;
    }
    var i = Math.max(0, lastStartedBy(pairs, audio.currentTime)) + by;
    i = Math.max(0, Math.min(pairs.length - 1, i));
    seek(pairs[i].start);
  }

  function repeat() {
    if (!repeatable.length) {
      return;
    }
    var i = Math.max(0, lastStartedBy(repeatable, audio.currentTime));
    playFrom(repeatable[i].start);
  }

  function setSpeed(rate) {
    rate = Math.round(Math.max(SLOWEST, Math.min(FASTEST, rate)) * 10) / 10;
    audio.defaultPlaybackRate = rate;
    audio.playbackRate = rate;
    showSpeed(); // at once: ratechange comes a task later
  }

  function showSpeed() {
    if (speedShown) {
      speedShown.textContent = audio.playbackRate.toFixed(1) + "×";
    }
  }

  function showPlaying() {
    if (playButton) {
      playButton.textContent = audio.paused ? "\u25B6\uFE0E" : "\u275A\u275A";
      playButton.setAttribute("aria-label", audio.paused ? "Play" : "Pause");
    }
  }

  // Languages: a hidden language's texts and title leave the page and the
  // others take its room; the last one on show stays.
  var hidden = {};
  var toggles = Array.prototype.slice.call(document.querySelectorAll(".langs .lang"));
  var languages = toggles.map(function (button) { return button.getAttribute("data-lang"); });

  function toggleLanguage(lang) {
    var showing = languages.filter(function (each) { return !hidden[each]; });
    if (!hidden[lang] && showing.length <= 1) {
      return;
    }
    hidden[lang] = !hidden[lang];
    Array.prototype.forEach.call(
      document.querySelectorAll(".book .text, .titles h1"), function (el) {
        if (el.getAttribute("lang") === lang) {
          el.hidden = hidden[lang];
        }
      });
    toggles.forEach(function (button) {
      button.setAttribute("aria-pressed", String(!hidden[button.getAttribute("data-lang")]));
    });
    document.body.style.setProperty("--languages", String(showing.length + (hidden[lang] ? -1 : 1)));
    if (followed && !shown(followed)) {
      mark(audio.currentTime, true);
    }
  }

  var actions = {
    toggle: toggle,
    previous: function () { step(-1); },
    next: function () { step(1); },
    repeat: repeat,
    slower: function () { setSpeed(audio.playbackRate - 0.1); },
    faster: function () { setSpeed(audio.playbackRate + 0.1); }
  };

  audio.addEventListener("timeupdate", function () {
    mark(audio.currentTime, !audio.paused);
  });
  audio.addEventListener("seeked", function () {
    mark(audio.currentTime, false);
  });
  audio.addEventListener("play", function () {
    showPlaying();
    if (!ticking) {
      ticking = true;
      window.requestAnimationFrame(tick);
    }
  });
  audio.addEventListener("pause", showPlaying);
  audio.addEventListener("ratechange", showSpeed);

  book.addEventListener("click", function (event) {
    if (window.getSelection && String(window.getSelection()).length) {
      return; // selecting text to copy is not a request to seek
    }
    var target = event.target;
    var word = target.closest(".w[data-spans]");
    var sentence = target.closest(".sentence[data-spans]");
    var text = target.closest(".text[data-start-ms]");
    var pair = target.closest(".pair");
    var from = null;
    if (word) {
      // A word heard more than once (a sentence said again slowly): the time
      // inside the hearing of its sentence that is under way, else the first.
      var spans = spansOf(word);
      from = spans[0][0];
      var within = sentence && current.sentence === sentence
        ? levels.sentence[lastStartedBy(levels.sentence, audio.currentTime)] : null;
      spans.forEach(function (span) {
        if (within && span[0] >= within.start && span[0] < within.end) {
          from = span[0];
        }
      });
    } else if (sentence) {
      from = spansOf(sentence)[0][0];
    } else if (text) {
      from = spansOf(text)[0][0];
    } else if (pair) {
      from = spansOf(pair)[0][0];
    } else {
      return;
    }
    event.preventDefault();
    playFrom(from);
  });

  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) {
        return;
      }
      if (button.classList.contains("lang")) {
        toggleLanguage(button.getAttribute("data-lang"));
      } else if (actions[button.getAttribute("data-do")]) {
        actions[button.getAttribute("data-do")]();
      }
    });
  }

  var keys = {
    " ": toggle,
    Spacebar: toggle,
    ArrowLeft: actions.previous,
    ArrowRight: actions.next,
    r: repeat,
    R: repeat,
    "[": actions.slower,
    "-": actions.slower,
    "]": actions.faster,
    "+": actions.faster,
    "=": actions.faster
  };

  // Capture phase, so the keys mean the same whether the page or a control has focus.
  window.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey ||
        (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) {
      return;
    }
    var number = /^[1-9]$/.test(event.key) ? Number(event.key) : 0;
    if (number && number <= languages.length) {
      toggleLanguage(languages[number - 1]);
    } else if (Object.prototype.hasOwnProperty.call(keys, event.key)) {
      keys[event.key]();
    } else {
      if (/^(PageUp|PageDown|ArrowUp|ArrowDown|Home|End)$/.test(event.key)) {
        scrolledByHand = window.performance.now();
      }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // The key list starts folded on a narrow screen, where the room is for the text.
  var list = document.querySelector(".keys");
  if (list && window.matchMedia && window.matchMedia("(max-width: 40rem)").matches) {
    list.open = false;
  }
  showSpeed();
  showPlaying();
  mark(audio.currentTime || 0, false);
})();
