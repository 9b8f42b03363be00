// The reading page follows the voice: it marks the pair and the paragraph being
// spoken, scrolls them into view, seeks where a paragraph is clicked, and takes
// Space and the arrow keys. A classic script (not a module), so it runs from file://.
(function () {
  "use strict";

  var audio = document.getElementById("player");
  var book = document.getElementById("book");
  if (!audio || !book) {
    return;
  }
  var pairs = Array.prototype.slice.call(book.querySelectorAll(".pair"));
  var texts = Array.prototype.slice.call(book.querySelectorAll(".text[data-start-ms]"));
  var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var currentPair = null;
  var currentText = null;

  function ms(element, name) {
    return Number(element.getAttribute(name)) / 1000;
  }

  // The last element whose start is at or before t (elements are in time order).
  function lastStartedBy(list, t) {
    var low = 0;
    var high = list.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (ms(list[middle], "data-start-ms") <= t + 0.001) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function pairIndexAt(t) {
    return Math.max(0, lastStartedBy(pairs, t));
  }

  function textAt(t) {
    var i = lastStartedBy(texts, t);
    if (i < 0 || t >= ms(texts[i], "data-end-ms")) {
      return null; // a pause between paragraphs
    }
    return texts[i];
  }

  function mark(t, follow) {
    var pair = pairs.length ? pairs[pairIndexAt(t)] : null;
    var text = textAt(t);
    if (pair !== currentPair) {
      if (currentPair) {
        currentPair.classList.remove("current");
        currentPair.removeAttribute("aria-current");
      }
      if (pair) {
        pair.classList.add("current");
        pair.setAttribute("aria-current", "true");
        if (follow) {
          pair.scrollIntoView({ block: "center", behavior: calm ? "auto" : "smooth" });
        }
      }
      currentPair = pair;
    }
    if (text !== currentText) {
      if (currentText) {
        currentText.classList.remove("speaking");
      }
      if (text) {
        text.classList.add("speaking");
      }
      currentText = text;
    }
  }

  function seek(seconds) {
    var end = isFinite(audio.duration) ? audio.duration : seconds;
    audio.currentTime = Math.max(0, Math.min(seconds, end));
    mark(audio.currentTime, true);
  }

  function step(by) {
    if (!pairs.length) {
      return;
    }
    var i = pairIndexAt(audio.currentTime) + by;
    i = Math.max(0, Math.min(pairs.length - 1, i));
    seek(ms(pairs[i], "data-start-ms"));
  }

  function toggle() {
    if (audio.paused) {
      var playing = audio.play();
      if (playing && playing.catch) {
        playing.catch(function () {}); // refused autoplay: the controls still work
      }
    } else {
      audio.pause();
    }
  }

  audio.addEventListener("timeupdate", function () {
    mark(audio.currentTime, !audio.paused);
  });
  audio.addEventListener("seeked", function () {
    mark(audio.currentTime, false);
  });

  book.addEventListener("click", function (event) {
    if (window.getSelection && String(window.getSelection()).length) {
      return; // selecting text to copy is not a request to seek
    }
    var text = event.target.closest(".text[data-start-ms]");
    var pair = event.target.closest(".pair");
    if (text) {
      seek(ms(text, "data-start-ms"));
    } else if (pair) {
      seek(ms(pair, "data-start-ms"));
    } else {
      return;
    }
    event.preventDefault();
  });

  // Capture phase, so the keys mean the same whether the page or the player has focus.
  window.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey ||
        (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) {
      return;
    }
    if (event.key === " " || event.key === "Spacebar") {
      toggle();
    } else if (event.key === "ArrowLeft") {
      step(-1);
    } else if (event.key === "ArrowRight") {
      step(1);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  mark(audio.currentTime || 0, false);
})();
