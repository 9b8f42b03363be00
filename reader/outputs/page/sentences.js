// Sentence books: marks the sentence being heard (a sentence repeated or slowed
// down is heard several times, each listed in its data-spans as "start-end" ms)
// and seeks to a sentence when it is clicked. Loaded before reader.js, which
// keeps marking the pair and handles the keys; a classic script for file://.
(function () {
  "use strict";

  var audio = document.getElementById("player");
  var book = document.getElementById("book");
  if (!audio || !book) {
    return;
  }
  var heard = [];
  Array.prototype.forEach.call(book.querySelectorAll(".sentence[data-spans]"), function (el) {
    el.getAttribute("data-spans").split(" ").forEach(function (span) {
      var times = span.split("-");
      if (times.length === 2) {
        heard.push({ el: el, start: Number(times[0]) / 1000, end: Number(times[1]) / 1000 });
      }
    });
  });
  heard.sort(function (a, b) { return a.start - b.start; });
  var current = null;

  // The sentence heard at t, or null in a pause or a shadowing gap.
  function sentenceAt(t) {
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
    return found >= 0 && t < heard[found].end ? heard[found].el : null;
  }

  function mark() {
    var el = sentenceAt(audio.currentTime || 0);
    if (el !== current) {
      if (current) {
        current.classList.remove("speaking");
      }
      if (el) {
        el.classList.add("speaking");
      }
      current = el;
    }
  }

  audio.addEventListener("timeupdate", mark);
  audio.addEventListener("seeked", mark);
  book.addEventListener("click", function (event) {
    if (window.getSelection && String(window.getSelection()).length) {
      return;
    }
    var sentence = event.target.closest(".sentence[data-spans]");
    var spans = sentence && sentence.getAttribute("data-spans");
    if (!spans) {
      return; // reader.js seeks to the pair
    }
    audio.currentTime = Number(spans.split("-")[0]) / 1000;
    mark();
    event.preventDefault();
    event.stopImmediatePropagation();
  });
  mark();
})();
