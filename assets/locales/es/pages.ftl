# Las páginas del cliente (ver en/pages.ftl). Se habla de usted; las
# palabras siguen docs/glossary-es.md.

## Todas las páginas
page-skip = Ir al contenido
page-private = Esta página es solo para usted. Por favor, no comparta su dirección.
page-help-contact = ¿Necesita ayuda? Comuníquese directamente con { $practice }.
page-eyebrow = Sesión por video con { $practice }

## La página del enlace
page-session-title = Su sesión
page-ready = Su sesión está lista
page-not-started = Su sesión todavía no ha comenzado
page-note-from = Un mensaje de { $practice }:
page-zone-minutes = Zona horaria: { $zone } · { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}
page-zone = Zona horaria: { $zone }
# "Puede entrar a partir de las <strong>14:50 EST</strong>, 10 minutos antes…"
page-countdown-before = Puede entrar a partir de { $hour ->
    [1] la
   *[other] las
}
page-countdown-after = , { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
} antes del comienzo. No cierre esta página: el botón aparecerá solo.
page-join = Entrar a la videollamada
page-camera-hint = Su navegador le pedirá permiso para usar la cámara y el micrófono. Por favor, permítalo.
page-calendar = Agregar al calendario (.ics)
page-trouble = ¿Problemas para entrar?
page-trouble-browser = Use una versión actualizada de Chrome, Safari, Firefox o Edge.
page-trouble-reload = Vuelva a cargar esta página y presione el botón otra vez.
page-trouble-contact = ¿Sigue sin poder entrar? Comuníquese con { $practice }. Si presionó el botón, su terapeuta puede ver que lo intentó.

## Los avisos antes de entrar
page-https-title = La videollamada necesita el enlace seguro
page-https-body = Esta página se abrió en una dirección http sin cifrar, y ningún navegador deja que una página así use la cámara y el micrófono: la videollamada no puede empezar desde aquí. Pida a { $practice } su enlace seguro, el que empieza con https, y ábralo en lugar de este.
page-inapp-title = Abra esta página en
page-inapp-browsers = Safari o Chrome
page-inapp-body = Parece que esta página está abierta dentro de otra aplicación (como Gmail, Outlook, Facebook, Instagram o LinkedIn). Ahí la cámara y el micrófono a menudo no funcionan, y la videollamada podría fallar.
page-inapp-tap = toque
page-inapp-may-say = (puede decir «Abrir en el navegador»).
page-inapp-ios = En iPhone o iPad:
page-inapp-ios-share = o el botón de compartir (un cuadrado con una flecha) y luego
page-inapp-ios-open = Abrir en Safari
page-inapp-android = En Android:
page-inapp-android-dots = (tres puntos) arriba y luego
page-inapp-android-open = Abrir en Chrome
page-inapp-other = Abra el navegador que usa siempre (Safari, Chrome, Firefox o Edge) y pegue ahí la dirección de esta página.
page-inapp-copy = Copiar la dirección de esta página
page-inapp-then = Después abra Safari o Chrome, toque la barra de direcciones, pegue la dirección y ábrala.

## La sala de espera
page-wait-title = Esperando a su terapeuta
page-wait-knows = Su terapeuta sabe que usted está aquí
page-wait-in-room = Usted está en la sala de espera. { $practice } le dará entrada cuando comience la sesión.
page-wait-keep-open = No cierre esta página
page-wait-keep-open-why = : la videollamada se abrirá sola desde aquí.
page-wait-ready = Su terapeuta ya puede atenderle
page-wait-go-in = Ya puede entrar: presione «Entrar a la videollamada».
page-wait-moving = Abriendo la videollamada…
page-wait-enter = Entrar a la videollamada
page-wait-check-again = Volver a comprobar
page-wait-long = ¿Lleva mucho tiempo esperando?
page-wait-late = A veces las sesiones empiezan unos minutos tarde. Su terapeuta puede ver que usted está esperando.
page-wait-closed = Si se cerró esta página, vuelva a abrir su enlace y presione «Entrar a la videollamada».
page-wait-nothing = ¿Pasaron diez minutos desde la hora de comienzo y todavía nada? Comuníquese con { $practice }.

## La página personal
page-portal-title = Sus sesiones
page-hello = Hola
page-hello-name = Hola, { $name }
page-portal-intro = Guarde esta página en sus favoritos: siempre muestra sus sesiones de los próximos { $days } días, y desde aquí puede entrar a la que esté en curso.
page-portal-cancelled = Cancelada
page-portal-join-opens = Puede entrar { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
} antes
page-portal-calendar = Agregar estas sesiones a su calendario (.ics)
page-portal-empty = No tiene sesiones reservadas en los próximos { $days } días.

## El código de acceso
page-code-title = Escriba su código de acceso
page-code-where = Su código está en el mensaje que trae el enlace de su sesión. Tiene { $length } letras y números, como
page-code-label = Código de acceso
page-code-continue = Continuar
page-code-hint = No importan las mayúsculas ni los guiones.
page-code-failed = Ese código no funcionó. Compárelo con el de su mensaje y vuelva a intentarlo, o use el enlace del mensaje.

## Un enlace que ya no lleva a ninguna sesión
page-gone-session = Sesión:
page-gone-zone = zona horaria: { $zone }
page-gone-code = Escribir un código de acceso
page-gone-questions = ¿Tiene preguntas? Comuníquese con { $practice }.
page-gone-dead = Este enlace ya no funciona
page-removed-1 = Esta sesión ya no está reservada a su nombre, así que este enlace no la abre.
page-removed-2 = Si { $practice } le envió un mensaje más reciente sobre una sesión, use el enlace de ese mensaje.
page-expired-title = Esta sesión ya terminó
page-expired-1 = El enlace de esta sesión ya no funciona.
page-expired-2 = Si necesita una sesión, comuníquese con { $practice } y le enviarán un enlace nuevo.
page-cancelled-title = Esta sesión fue cancelada
page-cancelled-1 = No hay ninguna sesión a la que entrar con este enlace.
page-cancelled-2 = Para acordar otro horario, comuníquese con { $practice }.
page-revoked-title = Este enlace fue reemplazado
page-revoked-1 = Se le envió un enlace más reciente para esta sesión. Use el último mensaje de su terapeuta o el enlace de su página personal.
page-revoked-2 = Si ese mensaje trae un código de acceso, también puede escribirlo aquí.
page-revoked-3 = ¿No lo encuentra? Comuníquese con { $practice } y se lo volverán a enviar.
page-unknown-title = No encontramos este enlace
page-unknown-1 = Revise que haya abierto el enlace completo de su mensaje: puede que le falte una parte o que haya cambiado.
page-unknown-2 = Si su mensaje trae un código de acceso ({ $length } letras y números, como 7KQ2-M9XD), puede escribirlo en su lugar.
page-unknown-3 = ¿Sigue sin poder entrar? Comuníquese con { $practice } y le volverán a enviar su enlace.
page-portal-code = Si su mensaje trae un código de acceso, puede escribirlo en su lugar.
page-portal-off-title = Use el enlace de su recordatorio
page-portal-off = Ahora { $practice } envía un enlace distinto para cada sesión. Use el enlace de su último recordatorio o mensaje, o comuníquese con { $practice } para que se lo vuelvan a enviar.
page-portal-moved-title = Esta página cambió de dirección
page-portal-moved = Su enlace personal fue reemplazado por uno nuevo. Use el enlace más reciente que le envió { $practice }, o pida que se lo vuelvan a enviar.
page-portal-archived = Este enlace personal ya no está en uso. Para reservar una sesión, comuníquese con { $practice }.

## Entrar sin sala de video preparada
page-checked-in-title = Ya sabemos que usted está aquí
page-checked-in-1 = Su terapeuta puede ver que usted llegó.
page-checked-in-2 = La sala de video de esta sesión todavía no está lista: quédese pendiente de su teléfono o de su correo, y su terapeuta se comunicará con usted para decirle cómo entrar.

## La dirección de la sala abierta sin pasar por un enlace
page-room-own-link-title = Esta sala se abre desde el enlace de su sesión
page-room-own-link-1 = Abra el enlace de su mensaje (o de su página personal) y presione «Entrar a la videollamada»: así podrá entrar desde este navegador.
page-room-own-link-2 = La sala solo está abierta alrededor de la hora de su sesión.

## Páginas de error
page-error-400-title = No pudimos entender esa solicitud
page-error-400 = Vuelva a la página anterior e inténtelo de nuevo.
page-error-404-title = No encontramos esta página
page-error-404 = Revise que haya copiado el enlace completo de su mensaje.
page-error-405-title = Eso no funciona aquí
page-error-405 = Vuelva a la página anterior y use los botones de la página.
page-error-413-title = Se enviaron demasiados datos
page-error-413 = Vuelva a la página anterior e inténtelo de nuevo con menos.
page-error-414-title = Esa dirección es demasiado larga
page-error-414 = Revise que haya copiado el enlace correctamente.
page-error-429-title = Espere un momento, por favor
page-error-429 = Hubo demasiados intentos desde su red. Espere unos minutos y vuelva a intentarlo, o abra el enlace de su mensaje.
page-error-503-title = Vuelva a intentarlo en un minuto
page-error-503 = En este momento el servicio no puede guardar nada. Su enlace sigue funcionando; vuelva a intentarlo en unos momentos.
page-error-500-title = Algo falló de nuestro lado
page-error-500 = Vuelva a intentarlo en un minuto. Si sigue pasando, comuníquese con su terapeuta.

## La prueba del dispositivo, tal como la escribe el servidor. `*palabras*` en negrita.
page-check-noscript = La prueba del dispositivo necesita JavaScript, que aquí está desactivado. Puede entrar igualmente sin hacerla.
page-check-open = Probar mi dispositivo
page-check-what = Cámara, micrófono, altavoces y conexión, antes de su sesión.
page-check-title = Prueba del dispositivo
page-check-private = Su imagen y su sonido no salen de este dispositivo: no se graba ni se envía nada. { $practice } solo ve si la prueba salió bien.
page-check-insecure = *Desde esta dirección no se puede usar la cámara ni el micrófono, en ningún navegador.* Los navegadores solo los permiten en páginas seguras, cuya dirección empieza con https, y esta página se abrió en una dirección http sin cifrar.
page-check-insecure-builtin = La videollamada tampoco funcionará desde esta dirección. Pida a { $practice } el enlace seguro, el que empieza con https, y ábralo en lugar de este.
page-check-insecure-outside = Su videollamada se abre en otra dirección, segura, que le pedirá la cámara y el micrófono por su cuenta: puede entrar como siempre. Solo esta prueba no puede revisarlos antes.
page-check-blocked = *Su navegador no le permite a esta página usar la cámara ni el micrófono.* Así puede permitirlo; después presione «Repetir la prueba».
page-check-others = ¿Otro teléfono u otro navegador?
page-check-ios-title = iPhone o iPad (Safari)
page-check-ios = Toque *aA* (o el ícono de la página) en la barra de direcciones, luego *Configuración del sitio web*, y ponga Cámara y Micrófono en *Permitir*. O abra la app Configuración, luego Safari (Apps › Safari en los iPhone más nuevos), luego Cámara y Micrófono, y elija *Preguntar* o *Permitir*. Después vuelva a cargar esta página.
page-check-android = Toque el ícono a la izquierda de la dirección, luego *Permisos*, y active Cámara y Micrófono. Si no aparecen, abra la app Configuración, luego Aplicaciones › Chrome › Permisos, y permita Cámara y Micrófono. Después vuelva a cargar esta página.
page-check-chrome-title = Chrome en una computadora
page-check-chrome = Haga clic en el ícono a la izquierda de la dirección (dos controles deslizantes o un candado), active Cámara y Micrófono y vuelva a cargar la página. En una Mac, revise también Configuración del Sistema › Privacidad y seguridad › Cámara y Micrófono para Chrome.
page-check-firefox = Haga clic en el ícono tachado de la cámara o del micrófono en la barra de direcciones y quite «Bloqueado» (o «Bloqueado temporalmente»); luego vuelva a cargar la página y elija *Permitir* cuando se lo pregunte.
page-check-edge = Haga clic en el candado a la izquierda de la dirección, luego en *Permisos para este sitio*, ponga Cámara y Micrófono en *Permitir* y vuelva a cargar la página.
page-check-camera = Cámara
page-check-not-yet = Todavía sin probar.
page-check-microphone = Micrófono
page-check-level = Nivel de sonido
page-check-mic-help = No se oye nada. ¿Está silenciado su micrófono, o lo está usando otra aplicación (una llamada, Zoom, Teams)? Si usa auriculares con micrófono, revise su botón de silencio. Después presione «Repetir la prueba».
page-check-speakers = Altavoces
page-check-play = Reproducir un sonido de prueba
page-check-heard = ¿Lo escuchó?
page-check-yes = Sí
page-check-no = No
page-check-volume = Suba el volumen con los botones del costado del teléfono (o con la tecla de volumen de su computadora).
page-check-silent = En un iPhone, el interruptor del costado puede estar en silencio (se ve una franja naranja): muévalo y vuelva a reproducir el sonido.
page-check-bluetooth = Puede haber unos auriculares o un altavoz Bluetooth conectados, y el sonido estar saliendo por ahí. Enciéndalos, o desactive el Bluetooth.
page-check-connection = Conexión
page-check-again = Repetir la prueba
page-check-close = Cerrar la prueba
