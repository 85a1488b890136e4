// The client's device check, on the link page and the waiting page
// (templates/check.html). Everything happens in this browser: the camera
// preview, the microphone level and the test sound never leave it. The
// server is asked only for the ICE servers the built-in room would use
// (GET …/check/ice, which also shows the box answers) and told the
// four-word summary the clinician sees (POST …/check).
//
// On load, before anything is opened, it looks for an in-app browser
// (Gmail, Facebook, Instagram… open links in a WebView of their own, where
// the camera often cannot be used) and says so above the Join button.
//
// Its words, in the page's language, come from the page's JSON block
// "words" (check.html): say("check-answered", { ms: 42 }).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var panel = $("check-panel");
  if (!panel) return;
  var WORDS = JSON.parse($("words").textContent);
  // A message by id, its {name} filled from `values`. A missing id shows
  // as itself, which the browser tests would catch.
  function say(id, values) {
    var text = Object.prototype.hasOwnProperty.call(WORDS, id) ? WORDS[id] : id;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  var ua = navigator.userAgent || "";
  var isIOS = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  var isAndroid = /Android/.test(ua);

  // ---- in-app browsers ------------------------------------------------

  // By what the browser can do first: in a secure context every real
  // browser has getUserMedia and RTCPeerConnection, a WebView often not;
  // iOS apps' WKWebViews carry window.webkit.messageHandlers (Safari does
  // not; Chrome, Firefox and Edge on iOS do, and say so in their names);
  // Android's WebView marks itself "; wv)". App names only second.
  function inApp() {
    var media = navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
    if (window.isSecureContext && (!media || !window.RTCPeerConnection)) return true;
    var iosBrowser = /CriOS|FxiOS|EdgiOS|OPiOS|OPT\//.test(ua);
    if (isIOS && !iosBrowser && window.webkit && window.webkit.messageHandlers) return true;
    if (isAndroid && /; wv\)/.test(ua)) return true;
    return /FBAN|FBAV|FB_IAB|FBIOS|Instagram|LinkedInApp|GSA\/|\bLine\/|MicroMessenger|Twitter|Snapchat|Pinterest|GmailApp|Outlook-(iOS|Android)|MSOutlook/.test(ua);
  }

  var copyText = window.porchlightCopy; // copy.js

  // Above the way in, so it is read before Join is pressed.
  function beforeJoin(box) {
    var form = $("join") || $("enter");
    if (form) form.parentNode.insertBefore(box, form);
    box.hidden = false;
  }

  function showInApp() {
    var box = $("inapp");
    var platform = isIOS ? "ios" : isAndroid ? "android" : "other";
    if (isIOS) $("inapp-h").textContent = say("check-inapp-title-ios");
    if (isAndroid) $("inapp-h").textContent = say("check-inapp-title-android");
    box.querySelector('[data-platform="' + platform + '"]').hidden = false;
    if (isAndroid) {
      // Chrome's intent: the same address, opened by Chrome itself.
      var intent = "intent://" + location.host + location.pathname + location.search +
        "#Intent;scheme=" + location.protocol.replace(":", "") + ";package=com.android.chrome;end";
      $("inapp-intent").href = intent;
    }
    $("copy-address").addEventListener("click", function () {
      copyText(location.href).then(function (ok) {
        $("copied").textContent = say(ok ? "check-copied" : "check-copy-failed");
      });
    });
    beforeJoin(box);
  }
  if (inApp()) showInApp();
  // The built-in room on a plain-http address (not localhost) cannot
  // start: say so before Join, not only inside the check.
  var plain = $("plain-http");
  if (!window.isSecureContext && plain.getAttribute("data-provider") === "builtin") beforeJoin(plain);

  // ---- the check ------------------------------------------------------

  var summary = { camera: "skipped", microphone: "skipped", speakers: "skipped", connection: "skipped" };
  var stream = null, audio = null, peers = [], timers = [], run = 0, provider = null;

  // `id`: the message (with `values`) that says how `step` stands.
  function result(step, state, id, values) {
    var line = $(step + "-result");
    var text = say(id, values);
    line.setAttribute("data-result", state);
    // "✓ Yes: we can see…" reads on; a line of its own starts a sentence.
    if (state !== "yes" && state !== "no") text = text.charAt(0).toUpperCase() + text.slice(1);
    line.textContent = (state === "yes" ? say("check-result-yes") + " " : state === "no" ? say("check-result-no") + " " : "") + text;
  }
  // `id`: the help message under `step`; undefined shows the page's own
  // help as it is, null hides it.
  function help(step, id) {
    var el = $(step + "-help");
    if (id !== undefined && id !== null) el.textContent = say(id);
    el.hidden = id === null;
  }
  function report(step, value) {
    summary[step] = value;
    fetch(panel.getAttribute("data-report"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(summary),
      credentials: "omit", cache: "no-store"
    }).catch(function () {});
  }

  // Stop every track, sound and connection: after Close, a new run, or
  // when the page goes (Join, the waiting page moving into the room).
  function stop() {
    run += 1;
    timers.forEach(clearTimeout); timers = [];
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    var video = $("check-video");
    video.srcObject = null;
    video.hidden = true;
    if (audio) audio.close().catch(function () {});
    audio = null;
    peers.forEach(function (pc) { try { pc.close(); } catch (e) { /* already closed */ } });
    peers = [];
  }
  window.addEventListener("pagehide", stop);

  function later(f, ms) { timers.push(setTimeout(f, ms)); }

  function browserKind() {
    if (isIOS) return "ios";
    if (isAndroid) return "android";
    if (/Edg\//.test(ua)) return "edge";
    if (/Firefox\//.test(ua)) return "firefox";
    return "chrome";
  }

  function blocked() {
    var kind = browserKind();
    var yours = $("blocked-yours");
    yours.textContent = "";
    // This browser's way first; the list below keeps the others.
    Array.prototype.forEach.call($("blocked-list").children, function (way) {
      var mine = way.getAttribute("data-browser") === kind;
      if (mine) yours.appendChild(way.cloneNode(true));
      way.hidden = mine;
    });
    $("check-blocked").hidden = false;
    ["camera", "microphone"].forEach(function (step) {
      result(step, "no", "check-blocked-result");
      report(step, "problem");
    });
  }

  function mediaFailed(e, step) {
    var name = e && e.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return blocked();
    var why = {
      NotFoundError: "check-" + step + "-none",
      NotReadableError: "check-busy",
      OverconstrainedError: "check-" + step + "-unusable"
    }[name] || "check-cannot-start";
    result(step, "no", why);
    help(step, name === "NotFoundError" ? "check-" + step + "-none-help" : null);
    report(step, "problem");
  }

  function checkCamera(s, mine) {
    var video = $("check-video");
    video.srcObject = s;
    video.hidden = false;
    video.play().catch(function () {});
    var until = Date.now() + 10000;
    (function frames() {
      if (mine !== run) return;
      if (video.videoWidth > 0) { result("camera", "yes", "check-camera-seen"); report("camera", "ok"); return; }
      if (Date.now() > until) {
        result("camera", "no", "check-camera-dark");
        help("camera", "check-camera-dark-help");
        report("camera", "problem");
        return;
      }
      later(frames, 200);
    })();
  }

  function checkMicrophone(s, mine) {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { result("microphone", "no", "check-mic-cannot-measure"); report("microphone", "skipped"); return; }
    audio = new Ctx();
    audio.resume().catch(function () {});
    var analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(s).connect(analyser);
    var data = new Float32Array(analyser.fftSize);
    var meter = $("mic-level");
    var until = Date.now() + 10000, heard = false;
    result("microphone", "waiting", "check-mic-listening");
    (function listen() {
      if (mine !== run) return;
      analyser.getFloatTimeDomainData(data);
      var sum = 0;
      for (var i = 0; i < data.length; i++) sum += data[i] * data[i];
      var level = Math.min(100, Math.round(Math.sqrt(sum / data.length) * 400));
      meter.value = level;
      meter.textContent = String(level);
      if (!heard && level >= 8) {
        heard = true;
        help("microphone", null);
        result("microphone", "yes", "check-mic-heard");
        report("microphone", "ok");
      }
      if (!heard && Date.now() > until) {
        heard = true;
        result("microphone", "no", "check-mic-silent");
        help("microphone");
        report("microphone", "problem");
      }
      later(listen, 100);
    })();
  }

  function checkMedia(mine) {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      $("check-insecure").hidden = false;
      var step = provider === "builtin" ? "problem" : "skipped";
      ["camera", "microphone"].forEach(function (s) {
        result(s, "no", "check-insecure-result");
        report(s, step);
      });
      return;
    }
    result("camera", "waiting", "check-asking-camera");
    result("microphone", "waiting", "check-asking-microphone");
    var md = navigator.mediaDevices;
    md.getUserMedia({ video: true, audio: true }).then(function (s) {
      if (mine !== run) { s.getTracks().forEach(function (t) { t.stop(); }); return; }
      stream = s;
      checkCamera(s, mine);
      checkMicrophone(s, mine);
    }, function (e) {
      if (mine !== run) return;
      if (e && (e.name === "NotAllowedError" || e.name === "SecurityError")) return blocked();
      // One of the two may be missing or busy: try each on its own.
      ["camera", "microphone"].forEach(function (step) {
        md.getUserMedia(step === "camera" ? { video: true } : { audio: true }).then(function (s) {
          if (mine !== run) { s.getTracks().forEach(function (t) { t.stop(); }); return; }
          if (stream) s.getTracks().forEach(function (t) { stream.addTrack(t); }); else stream = s;
          if (step === "camera") checkCamera(s, mine); else checkMicrophone(s, mine);
        }, function (e2) { if (mine === run) mediaFailed(e2, step); });
      });
    });
  }

  // A short three-note chime made here, so no sound file is needed.
  function playSound() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { result("speakers", "no", "check-sound-cannot-play"); return; }
    var ctx = new Ctx();
    var t0 = ctx.currentTime + 0.05;
    [523.25, 659.25, 783.99].forEach(function (f, i) {
      var o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + i * 0.35);
      g.gain.exponentialRampToValueAtTime(0.5, t0 + i * 0.35 + 0.03);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.35 + 0.6);
      o.connect(g); g.connect(ctx.destination);
      o.start(t0 + i * 0.35); o.stop(t0 + i * 0.35 + 0.65);
    });
    setTimeout(function () { ctx.close().catch(function () {}); }, 1800);
    $("heard").hidden = false;
    result("speakers", "waiting", "check-sound-playing");
  }

  // ---- connection -----------------------------------------------------

  function timedFetch(url, ms) {
    var ctl = window.AbortController ? new AbortController() : null;
    var t = setTimeout(function () { if (ctl) ctl.abort(); }, ms);
    var started = Date.now();
    return fetch(url, { cache: "no-store", credentials: "omit", signal: ctl && ctl.signal }).then(function (r) {
      clearTimeout(t);
      if (!r.ok) throw new Error("status " + r.status);
      return r.json().then(function (body) { return { body: body, ms: Date.now() - started }; });
    }, function (e) { clearTimeout(t); throw e; });
  }

  // Close a check's own peer connection as soon as its answer is known:
  // an open one keeps its TURN allocation refreshed for as long as the
  // panel stays open.
  function drop(pc) {
    try { pc.close(); } catch (e) { /* already closed */ }
    peers = peers.filter(function (p) { return p !== pc; });
  }

  // The candidates one peer connection gathers with the room's servers:
  // host (this network), srflx (STUN answered: straight through the
  // internet), relay (TURN answered).
  function gather(servers, mine) {
    return new Promise(function (resolve) {
      var types = {};
      var pc = new RTCPeerConnection({ iceServers: servers });
      peers.push(pc);
      var done = function () { drop(pc); if (mine === run) resolve(types); done = function () {}; };
      pc.onicecandidate = function (ev) {
        if (!ev.candidate) { done(); return; }
        var m = / typ (host|srflx|prflx|relay)/.exec(ev.candidate.candidate);
        if (m) types[m[1]] = true;
      };
      pc.createDataChannel("check");
      pc.createOffer().then(function (o) { return pc.setLocalDescription(o); }).catch(function () { done(); });
      later(function () { done(); }, 8000);
    });
  }

  // Two peer connections in this page that may only use the relay: a data
  // channel between them opens only if TURN really relays. Resolves to
  // "yes", "refused" (the relay answered but turned the credentials down:
  // a wrong turn_secret, or a clock far off) or "no" (no relay candidate,
  // or no data through it within 10 s).
  function relays(servers, mine) {
    return new Promise(function (resolve) {
      var config = { iceServers: servers, iceTransportPolicy: "relay" };
      var a = new RTCPeerConnection(config), b = new RTCPeerConnection(config);
      peers.push(a, b);
      var refused = false;
      var finish = function (ok) {
        finish = function () {};
        drop(a); drop(b);
        if (mine === run) resolve(ok ? "yes" : refused ? "refused" : "no");
      };
      // 401 Unauthorized, 403 Forbidden, 437/441 (allocation or credential
      // mismatch): RFC 8656 §6.2, §7.2. Chromium reports them here.
      var failed = function (ev) { if ([401, 403, 437, 441].indexOf(ev.errorCode) >= 0) refused = true; };
      a.onicecandidateerror = failed;
      b.onicecandidateerror = failed;
      // Relay-only: a side that finished gathering without a single
      // candidate has no relay, and waiting out the timer proves nothing.
      var wire = function (pc, other) {
        var any = false;
        pc.onicecandidate = function (ev) {
          if (ev.candidate) { any = true; other.addIceCandidate(ev.candidate).catch(function () {}); }
          else if (!any) finish(false);
        };
      };
      wire(a, b); wire(b, a);
      b.ondatachannel = function (ev) { ev.channel.onmessage = function (m) { finish(m.data === "ping"); }; };
      var channel = a.createDataChannel("relay-check");
      channel.onopen = function () { channel.send("ping"); };
      a.createOffer().then(function (o) { return a.setLocalDescription(o); })
        .then(function () { return b.setRemoteDescription(a.localDescription); })
        .then(function () { return b.createAnswer(); })
        .then(function (o) { return b.setLocalDescription(o); })
        .then(function () { return a.setRemoteDescription(b.localDescription); })
        .catch(function () { finish(false); });
      later(function () { finish(false); }, 10000);
    });
  }

  // Whether this page was reached on the practice's own network: a name
  // ending in .local or .lan, or a private address.
  function onLan() {
    var h = location.hostname;
    return /\.(local|lan|home|internal|test)$|^localhost$|^127\.|^10\.|^192\.168\.|^172\.(1[6-9]|2\d|3[01])\.|^\[?(fe80|fd|fc)/i.test(h);
  }

  // `got`: the answer to the ICE question, or null when the box did not
  // answer it in time.
  function checkConnection(got, mine) {
    if (!got) {
      result("connection", "no", "check-box-silent");
      help("connection", "check-box-silent-help");
      report("connection", "problem");
      return;
    }
    var answered = say("check-answered", { ms: got.ms });
    if (provider !== "builtin") {
      result("connection", "yes", "check-outside-ok", { ms: got.ms });
      $("connection-detail").textContent = say("check-outside-detail");
      $("connection-detail").hidden = false;
      report("connection", "ok");
      return;
    }
    if (!window.RTCPeerConnection) {
      result("connection", "no", "check-no-webrtc");
      help("connection", "check-no-webrtc-help");
      report("connection", "problem");
      return;
    }
    var servers = got.body.ice || [];
    var hasTurn = servers.some(function (s) { return [].concat(s.urls).some(function (u) { return /^turns?:/.test(u); }); });
    var hasStun = servers.some(function (s) { return [].concat(s.urls).some(function (u) { return /^stun:/.test(u); }); });
    var line = $("connection-result");
    Promise.all([gather(servers, mine), hasTurn ? relays(servers, mine) : Promise.resolve(null)]).then(function (r) {
      if (mine !== run) return;
      var types = r[0], relay = r[1], relayed = relay === "yes";
      var path = types.host && (onLan() || !(types.srflx || relayed)) ? "lan"
        : types.srflx ? "internet"
        : relayed || types.relay ? "relay"
        : "none";
      var says = path === "none" ? null : say("check-how-" + path);
      // What the page found, for the tests and whoever reads the page's
      // source: the path named, and each configured server's answer.
      line.setAttribute("data-path", path);
      if (hasStun) line.setAttribute("data-stun", types.srflx ? "yes" : "no");
      // The box hands out the relay only from an hour before the window
      // opens (a link of a weekly series is early for months).
      var later = !hasTurn && got.body.relay_from;
      if (hasTurn) line.setAttribute("data-turn", relay);
      else if (later) line.setAttribute("data-turn", "later");
      var notes = [answered];
      if (hasStun) notes.push(say(types.srflx ? "check-stun-yes" : "check-stun-no"));
      if (later) notes.push(say("check-turn-later"));
      if (hasTurn) {
        notes.push(say(relayed ? "check-turn-works" : relay === "refused" ? "check-turn-refused" : "check-turn-unreachable"));
      }
      $("connection-detail").textContent = notes.join(" ");
      $("connection-detail").hidden = false;
      var ok = says && (!hasTurn || relayed);
      if (ok) result("connection", "yes", "check-video-can-go", { how: says });
      else if (hasTurn && !relayed) result("connection", "no", says ? "check-relay-down-how" : "check-relay-down", { how: says });
      else result("connection", "no", "check-no-connection");
      help("connection", ok ? null : relay === "refused" ? "check-refused-help" : "check-network-help");
      report("connection", ok ? "ok" : "problem");
    });
  }

  function start() {
    stop();
    var mine = run;
    $("check-blocked").hidden = true;
    $("check-insecure").hidden = true;
    $("heard").hidden = true;
    ["camera", "microphone", "speakers", "connection"].forEach(function (s) { help(s, null); });
    $("connection-detail").hidden = true;
    result("speakers", "waiting", "check-speakers-waiting");
    summary = { camera: "skipped", microphone: "skipped", speakers: "skipped", connection: "skipped" };
    result("connection", "waiting", "check-checking");
    ["data-path", "data-stun", "data-turn"].forEach(function (a) { $("connection-result").removeAttribute(a); });
    // One question to the box: whether it answers, which room the session
    // uses (the insecure-address note depends on it), and its ICE servers.
    timedFetch(panel.getAttribute("data-ice"), 8000).then(function (got) { return got; }, function () { return null; })
      .then(function (got) {
        if (mine !== run) return;
        provider = got ? got.body.provider : null;
        var note = $("check-insecure");
        note.querySelector('[data-provider="builtin"]').hidden = provider !== "builtin";
        note.querySelector('[data-provider="outside"]').hidden = provider === "builtin" || provider === null;
        checkMedia(mine);
        checkConnection(got, mine);
      });
  }

  $("check-start").hidden = false;
  var open = $("check-open");
  open.addEventListener("click", function () {
    var opening = panel.hidden;
    panel.hidden = !opening;
    open.setAttribute("aria-expanded", String(opening));
    if (opening) { start(); $("check-h").focus(); } else stop();
  });
  $("check-h").tabIndex = -1;
  $("check-again").addEventListener("click", start);
  $("check-close").addEventListener("click", function () {
    stop();
    panel.hidden = true;
    open.setAttribute("aria-expanded", "false");
    open.focus();
  });
  $("play-sound").addEventListener("click", playSound);
  $("heard-yes").addEventListener("click", function () {
    result("speakers", "yes", "check-speakers-ok");
    help("speakers", null);
    report("speakers", "ok");
  });
  $("heard-no").addEventListener("click", function () {
    result("speakers", "no", "check-speakers-none");
    $("speakers-help").hidden = false;
    report("speakers", "problem");
  });
})();
