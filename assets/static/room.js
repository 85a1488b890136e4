// The built-in video room: camera and microphone, one WebRTC connection
// to each other person (a small mesh), and the signalling through
// Porchlight: the newcomer calls everyone already there; messages arrive
// by long polls of <base>/messages. Each tile says how its connection
// stands (data-state) and how many frames it decoded (data-frames).
// One's own picture is a small tile over the others' (data-corner, moved
// by dragging or the "Move my picture" button) once someone is there;
// after Leave or the end, the camera is off and only the way back stays.
// Its words, in the page's language, come from the page's JSON block
// "words" (room.html): w("room-connected-with", { names: "Ann" }).
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;
  var WORDS = JSON.parse(document.getElementById("words").textContent);
  // A message by id, its {name} filled from `values`. A missing id shows
  // as itself, which the browser tests would catch.
  function w(id, values) {
    var text = Object.prototype.hasOwnProperty.call(WORDS, id) ? WORDS[id] : id;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  var lang = document.documentElement.lang || "en";
  var base = root.getAttribute("data-base");
  var clinician = root.getAttribute("data-clinician") === "yes";
  // How a visit that cannot simply enter again comes back: the client by
  // their own link, the clinician from the dashboard (linked below).
  var AGAIN = w(clinician ? "room-again-clinician" : "room-again-client");
  var stateLine = document.getElementById("state");
  var tiles = document.getElementById("tiles");
  var selfVideo = document.getElementById("self");
  var selfTile = document.getElementById("self-tile");
  var moveButton = document.getElementById("move-self");
  var me = null;          // our peer id for this visit
  var ice = [];
  var local = null;       // our MediaStream
  var peers = {};         // id -> {pc, name, tile, video, label, pending, state, caller}
  var known = {};         // id -> name, from "joined" messages
  var done = false;
  var entered = 0;        // when we last entered (ms), to pace entering again

  function say(text, bad) {
    stateLine.textContent = text;
    stateLine.classList.toggle("bad", !!bad);
  }

  function post(action, body, keepalive) {
    return fetch(base + "/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
      cache: "no-store",
      keepalive: !!keepalive
    });
  }

  // The others' names as the page's language joins a list ("Ann and
  // Bo", "Ann y Bo"), by the browser's CLDR data where it has it.
  function names() {
    var all = Object.keys(peers).map(function (id) { return peers[id].name; });
    if (window.Intl && Intl.ListFormat) return new Intl.ListFormat(lang, { type: "conjunction" }).format(all);
    return all.join(", ");
  }

  function summary() {
    if (done) return;
    var ids = Object.keys(peers);
    // Alone, one's own picture has the stage; with others it is small.
    tiles.setAttribute("data-others", String(ids.length));
    moveButton.hidden = ids.length === 0;
    if (ids.length === 0) { say(w("room-waiting-others")); return; }
    var connected = ids.filter(function (id) { return peers[id].state === "connected"; });
    if (connected.length === ids.length) {
      say(w("room-connected-with", { names: names() }));
    } else if (ids.some(function (id) { return peers[id].state === "failed"; })) {
      say(w("room-unreachable"), true);
    } else {
      say(w("room-connecting-to", { names: names() }));
    }
  }

  function addTile(id, name) {
    var fig = document.createElement("figure");
    fig.className = "tile";
    fig.setAttribute("data-peer", id);
    fig.setAttribute("data-state", "new");
    fig.setAttribute("data-frames", "0");
    var video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    var cap = document.createElement("figcaption");
    cap.textContent = name;
    var link = document.createElement("span");
    link.className = "link";
    link.textContent = w("room-tile-connecting");
    fig.appendChild(video);
    fig.appendChild(cap);
    fig.appendChild(link);
    tiles.appendChild(fig);
    return { tile: fig, video: video, label: link };
  }

  function sendTracks(p) {
    if (p.sending) return;
    p.sending = true;
    local.getTracks().forEach(function (track) { p.pc.addTrack(track, local); });
  }

  // The caller adds its tracks at once; the called side after the offer,
  // so that they ride on the offer's own transceivers.
  function connect(id, name, caller) {
    var pc = new RTCPeerConnection({ iceServers: ice });
    var t = addTile(id, name);
    var p = { pc: pc, name: name, tile: t.tile, video: t.video, label: t.label, pending: [], state: "new",
      remoteSet: false, caller: caller, sending: false };
    peers[id] = p;
    if (caller) sendTracks(p);
    pc.onicecandidate = function (e) {
      if (e.candidate) send(id, { candidate: e.candidate.toJSON() });
    };
    pc.ontrack = function (e) {
      if (p.video.srcObject !== e.streams[0]) p.video.srcObject = e.streams[0];
    };
    pc.onconnectionstatechange = function () {
      p.state = pc.connectionState;
      p.tile.setAttribute("data-state", p.state);
      var label = { connected: "room-tile-connected", connecting: "room-tile-connecting",
        disconnected: "room-tile-interrupted", failed: "room-tile-failed", closed: "room-tile-left" }[p.state];
      p.label.textContent = label ? w(label) : p.state;
      if (p.state === "failed" && pc.restartIce) pc.restartIce();
      summary();
    };
    pc.onnegotiationneeded = function () {
      if (!p.caller) return;
      pc.setLocalDescription().then(function () { send(id, { description: pc.localDescription.toJSON() }); });
    };
    summary();
    return p;
  }

  function drop(id) {
    var p = peers[id];
    if (!p) return;
    p.pc.close();
    p.video.srcObject = null;
    p.tile.remove();
    delete peers[id];
    summary();
  }

  function send(to, data) {
    post("send", { peer: me, to: to, data: data }).catch(function () {});
  }

  function onSignal(from, data) {
    var p = peers[from];
    if (data.description) {
      if (!p) p = connect(from, known[from] || w("room-someone"), false);
      var desc = data.description;
      p.pc.setRemoteDescription(desc).then(function () {
        p.remoteSet = true;
        p.pending.splice(0).forEach(function (c) { p.pc.addIceCandidate(c).catch(function () {}); });
        if (desc.type === "offer") {
          sendTracks(p);
          return p.pc.setLocalDescription().then(function () {
            send(from, { description: p.pc.localDescription.toJSON() });
          });
        }
      }).catch(function (e) {
        // The browser's own words are for whoever reads the console.
        if (window.console) console.warn("setting up a connection:", e);
        say(w("room-setup-failed"), true);
      });
    } else if (data.candidate && p) {
      if (p.remoteSet) p.pc.addIceCandidate(data.candidate).catch(function () {});
      else p.pending.push(data.candidate);
    }
  }

  // The end of this visit, whoever ended it. The camera goes off for
  // real (a stopped track still shows its last frame, so the picture
  // goes too), the controls that no longer do anything go, and what
  // stays says how to come back: `back` when this seat may enter again
  // (its ticket still holds; the page's own address is the way).
  function finish(text, back) {
    done = true;
    Object.keys(peers).forEach(drop);
    stopLocal();
    selfVideo.srcObject = null;
    tiles.hidden = true;
    document.getElementById("devices").open = false;
    document.getElementById("controls").hidden = true;
    document.getElementById("after-back").hidden = !back;
    var later = document.getElementById("after-link");
    if (later) later.hidden = !back;
    var after = document.getElementById("after");
    after.hidden = false;
    say(text);
    after.setAttribute("tabindex", "-1");
    after.focus();
  }

  function stopLocal() {
    if (local) local.getTracks().forEach(function (t) { t.stop(); });
  }

  function listen() {
    if (done) return;
    fetch(base + "/messages?peer=" + encodeURIComponent(me), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (done) return null;
        if (r.status === 410) { finish(w("room-session-over")); return null; }
        if (r.status === 403) { finish(w("room-visit-over") + " " + AGAIN, false); return null; }
        if (r.status === 409) { enterAgain(); return null; }
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (messages) {
        if (!messages) return;
        messages.forEach(function (m) {
          if (m.type === "joined") known[m.peer.id] = m.peer.name; // they call us
          else if (m.type === "left") drop(m.peer);
          else if (m.type === "ended") {
            post("leave", { peer: me }).catch(function () {});
            finish(w("room-ended-by-clinician"));
          }
          else if (m.type === "signal") onSignal(m.from, m.data);
        });
        listen();
      })
      .catch(function () {
        say(w("room-lost-touch"), true);
        setTimeout(listen, 2000);
      });
  }

  function countFrames() {
    Object.keys(peers).forEach(function (id) {
      var p = peers[id];
      p.pc.getStats().then(function (stats) {
        stats.forEach(function (s) {
          if (s.type === "inbound-rtp" && s.kind === "video") p.tile.setAttribute("data-frames", String(s.framesDecoded || 0));
        });
      });
    });
  }

  // The room's own answer, in the page's words (a fetch that failed
  // rejects with the browser's, in its language); `final` when entering
  // again will not change it.
  function answer(text, final) {
    var e = new Error(text);
    e.ours = true;
    e.final = !!final;
    return e;
  }

  function enter() {
    entered = Date.now();
    return post("enter", {}).then(function (r) {
      if (r.status === 410) throw answer(w("room-clinician-ended"), true);
      if (r.status === 403) throw answer(w("room-visit-over") + " " + AGAIN, true);
      if (r.status === 503) throw answer(w("room-full"));
      if (!r.ok) throw answer(w("room-cannot-enter"));
      return r.json();
    }).then(function (body) {
      me = body.peer;
      ice = body.ice || [];
      // The newcomer calls everyone already here; names travel with the offer.
      body.others.forEach(function (o) { connect(o.id, o.name, true); });
      summary();
      listen();
    });
  }

  // The server no longer has us in the room (it restarted, or we were
  // quiet too long, say a laptop asleep) but our ticket is good: start
  // over with fresh connections, as a reload would, without the reload.
  function enterAgain() {
    Object.keys(peers).forEach(drop);
    known = {};
    me = null;
    say(w("room-reconnecting"), true);
    var pause = Date.now() - entered < 5000 ? 3000 : 0;
    setTimeout(function () {
      if (done) return;
      enter().catch(function (e) {
        if (e.final) { finish(e.message); return; }
        say(e.ours ? e.message + " " + w("room-trying-again") : w("room-lost-touch"), true);
        setTimeout(enterAgain, 5000);
      });
    }, pause);
  }

  // Device picker: filled once the browser may name the devices.
  function fillDevices() {
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      [["videoinput", "cam-pick"], ["audioinput", "mic-pick"]].forEach(function (pair) {
        var select = document.getElementById(pair[1]);
        var current = local && local.getTracks().filter(function (t) {
          return t.kind === (pair[0] === "videoinput" ? "video" : "audio");
        })[0];
        var currentId = current && current.getSettings().deviceId;
        select.textContent = "";
        devices.filter(function (d) { return d.kind === pair[0]; }).forEach(function (d, i) {
          var o = document.createElement("option");
          o.value = d.deviceId;
          o.textContent = d.label || w(pair[0] === "videoinput" ? "room-camera-n" : "room-microphone-n", { number: i + 1 });
          o.selected = d.deviceId === currentId;
          select.appendChild(o);
        });
      });
    });
  }

  function switchDevice(kind, deviceId) {
    var want = kind === "video" ? { video: { deviceId: { exact: deviceId } } } : { audio: { deviceId: { exact: deviceId } } };
    navigator.mediaDevices.getUserMedia(want).then(function (s) {
      var track = s.getTracks()[0];
      if (done) { track.stop(); return; }
      var old = local.getTracks().filter(function (t) { return t.kind === kind; })[0];
      if (old) { track.enabled = old.enabled; local.removeTrack(old); old.stop(); }
      local.addTrack(track);
      Object.keys(peers).forEach(function (id) {
        peers[id].pc.getSenders().forEach(function (sender) {
          if (sender.track && sender.track.kind === kind) sender.replaceTrack(track);
        });
      });
      if (kind === "video") selfVideo.srcObject = local;
    }).catch(function () { say(w("room-device-failed"), true); });
  }

  // The label says what pressing does next ("Unmute" while muted), and
  // is the button's whole accessible name: no aria-pressed beside it, or
  // a screen reader says "Unmute, pressed", which contradicts itself.
  function toggle(button, kind, onText, offText) {
    button.addEventListener("click", function () {
      var tracks = local ? local.getTracks().filter(function (t) { return t.kind === kind; }) : [];
      var off = button.getAttribute("data-off") !== "true";
      tracks.forEach(function (t) { t.enabled = !off; });
      button.setAttribute("data-off", off ? "true" : "false");
      button.textContent = off ? offText : onText;
    });
  }

  toggle(document.getElementById("mute"), "audio", w("room-mute"), w("room-unmute"));
  toggle(document.getElementById("camera"), "video", w("room-camera-stop"), w("room-camera-start"));
  document.getElementById("cam-pick").addEventListener("change", function (e) { switchDevice("video", e.target.value); });
  document.getElementById("mic-pick").addEventListener("change", function (e) { switchDevice("audio", e.target.value); });
  document.getElementById("leave").addEventListener("click", function () {
    if (me) post("leave", { peer: me });
    finish(w("room-you-left"), true);
  });
  var end = document.getElementById("end");
  if (end) end.addEventListener("click", function () {
    if (!window.confirm(w("room-end-confirm"))) return;
    if (me) post("end", { peer: me });
    finish(w("room-you-ended"));
  });
  window.addEventListener("pagehide", function () {
    if (me && !done) post("leave", { peer: me }, true);
  });

  if (!window.isSecureContext || !navigator.mediaDevices) {
    say(w(clinician ? "room-insecure-clinician" : "room-insecure"), true);
    return;
  }
  navigator.mediaDevices.getUserMedia({ video: true, audio: true })
    .then(function (stream) {
      // Left before the camera answered: it must not start after all.
      if (done) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      local = stream;
      selfVideo.srcObject = stream;
      say(w("room-entering"));
      fillDevices();
      return enter();
    })
    .catch(function (e) {
      var denied = e && (e.name === "NotAllowedError" || e.name === "SecurityError");
      // The camera's refusals are DOMExceptions; the room's own answers
      // are ours; anything else is the way in that failed.
      var media = window.DOMException && e instanceof DOMException;
      say(e && e.ours ? e.message : w(denied ? "room-allow-camera" : media ? "room-camera-failed" : "room-cannot-enter"), true);
    });
  setInterval(countFrames, 1000);

  // ---- one's own picture: its shape, and moving it ----------------------

  // The tile takes the camera's shape, so the small picture shows the
  // whole frame the others see, without bars.
  function fitSelf() {
    if (selfVideo.videoWidth && selfVideo.videoHeight) {
      selfTile.style.setProperty("--camera-shape", selfVideo.videoWidth + " / " + selfVideo.videoHeight);
    }
  }
  selfVideo.addEventListener("loadedmetadata", fitSelf);
  selfVideo.addEventListener("resize", fitSelf);

  var CORNERS = ["br", "bl", "tl", "tr"];
  function putSelf(corner) {
    selfTile.style.left = "";
    selfTile.style.top = "";
    selfTile.setAttribute("data-corner", corner);
  }
  moveButton.addEventListener("click", function () {
    var at = CORNERS.indexOf(selfTile.getAttribute("data-corner"));
    putSelf(CORNERS[(at + 1) % CORNERS.length]);
  });

  // Dragging with a finger or a mouse: the tile follows inside the stage,
  // and on release goes to the nearest corner, so it never rests half
  // over a face or off the screen.
  var drag = null;
  function small() { return tiles.getAttribute("data-others") !== "0" && !done; }
  selfTile.addEventListener("pointerdown", function (e) {
    if (!small() || (e.pointerType === "mouse" && e.button !== 0)) return;
    var box = selfTile.getBoundingClientRect();
    drag = { id: e.pointerId, dx: e.clientX - box.left, dy: e.clientY - box.top, x: e.clientX, y: e.clientY, moved: false };
    selfTile.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  selfTile.addEventListener("pointermove", function (e) {
    if (!drag || e.pointerId !== drag.id) return;
    if (!drag.moved && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 6) return;
    drag.moved = true;
    var stage = tiles.getBoundingClientRect();
    var box = selfTile.getBoundingClientRect();
    var left = Math.min(Math.max(e.clientX - drag.dx - stage.left, 0), stage.width - box.width);
    var top = Math.min(Math.max(e.clientY - drag.dy - stage.top, 0), stage.height - box.height);
    selfTile.setAttribute("data-corner", "");
    selfTile.style.left = left + "px";
    selfTile.style.top = top + "px";
  });
  function endDrag(e) {
    if (!drag || e.pointerId !== drag.id) return;
    var moved = drag.moved;
    drag = null;
    if (!moved) return;
    var stage = tiles.getBoundingClientRect();
    var box = selfTile.getBoundingClientRect();
    var right = box.left + box.width / 2 > stage.left + stage.width / 2;
    var bottom = box.top + box.height / 2 > stage.top + stage.height / 2;
    putSelf((bottom ? "b" : "t") + (right ? "r" : "l"));
  }
  selfTile.addEventListener("pointerup", endDrag);
  selfTile.addEventListener("pointercancel", endDrag);
}());
