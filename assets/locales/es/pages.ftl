# Las páginas del cliente (ver en/pages.ftl). Se habla de usted; las
# palabras siguen docs/glossary-es.md.

## Todas las páginas
page-skip = Ir al contenido
page-private = Esta página es solo para usted. Por favor, no comparta la dirección de esta página.
page-help-contact = ¿Necesita ayuda? Comuníquese directamente con { $practice }.
page-eyebrow = Sesión de video con { $practice }

## La página del enlace
page-session-title = Su sesión
page-ready = Su sesión está lista
page-not-started = Su sesión todavía no ha comenzado
page-note-from = Una nota de { $practice }:
# El número y su palabra no se separan al final de una línea (espacio de no separación).
page-zone-minutes = Zona horaria: { $zone } · { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
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
} antes de la hora de inicio. No cierre esta página: el botón aparecerá solo.
page-join = Entrar a la videollamada
page-camera-hint = Su navegador le pedirá permiso para usar la cámara y el micrófono. Por favor, permítalo.
page-calendar = Agregar al calendario (.ics)
page-trouble = ¿Problemas para entrar?
page-trouble-browser = Use una versión actualizada de Chrome, Safari, Firefox o Edge.
page-trouble-reload = Vuelva a cargar esta página y presione el botón otra vez.
page-trouble-contact = ¿Sigue sin poder entrar? Comuníquese con { $practice }. Si presionó el botón, su terapeuta puede ver que lo intentó.


## La sala de espera
page-wait-title = Esperando a su terapeuta
page-wait-knows = Su terapeuta sabe que usted está aquí
page-wait-in-room = Usted está en la sala de espera. { $practice } le dejará entrar cuando comience la sesión.
page-wait-keep-open = No cierre esta página
page-wait-keep-open-why = : la videollamada se abrirá sola desde aquí.
page-wait-ready = Su terapeuta ya puede atenderle
page-wait-go-in = Ya puede entrar: presione “Entrar a la videollamada”.
page-wait-moving = Abriendo la videollamada…
page-wait-enter = Entrar a la videollamada
page-wait-check-again = Ver si ya puedo entrar
page-wait-long = ¿Lleva mucho tiempo esperando?
page-wait-late = A veces las sesiones empiezan unos minutos tarde. Su terapeuta puede ver que usted está esperando.
page-wait-closed = Si se cerró esta página, vuelva a abrir su enlace y presione “Entrar a la videollamada”.
page-wait-nothing = ¿Ya pasaron diez minutos desde la hora de inicio y todavía nada? Comuníquese con { $practice }.

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
page-cancelled-2 = Para reservar otra hora, comuníquese con { $practice }.
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
page-portal-moved = El enlace de su página personal fue reemplazado por uno nuevo. Use el enlace más reciente que le envió { $practice }, o pida que se lo vuelvan a enviar.
page-portal-archived = El enlace de esta página personal ya no está en uso. Para reservar una sesión, comuníquese con { $practice }.

## Entrar sin sala de video preparada
page-checked-in-title = Ya sabemos que usted está aquí
page-checked-in-1 = Su terapeuta puede ver que usted llegó.
page-checked-in-2 = La sala de video de esta sesión todavía no está lista: esté pendiente de su teléfono o de su correo, y su terapeuta se comunicará con usted para decirle cómo entrar.

## La dirección de la sala abierta sin pasar por un enlace
page-room-own-link-title = Esta sala se abre desde el enlace de su sesión
page-room-own-link-1 = Abra el enlace de su mensaje (o de su página personal) y presione “Entrar a la videollamada”: así podrá entrar desde este navegador.
page-room-own-link-2 = La sala solo está abierta alrededor de la hora de su sesión.

## Páginas de error
page-error-400-title = No pudimos entender esa solicitud
page-error-400 = Vuelva a la página anterior e inténtelo de nuevo.
page-error-404-title = No encontramos esta página
page-error-404 = Revise que haya copiado el enlace completo de su mensaje.
page-error-405-title = Eso no funciona aquí
page-error-405 = Vuelva a la página anterior y use los botones de la página.
page-error-413-title = Se enviaron demasiados datos
page-error-413 = Vuelva a la página anterior e inténtelo de nuevo con menos datos.
page-error-414-title = Esa dirección es demasiado larga
page-error-414 = Revise que haya copiado el enlace correctamente.
page-error-429-title = Espere un momento, por favor
page-error-429 = Hubo demasiados intentos desde su red. Espere unos minutos y vuelva a intentarlo, o abra el enlace de su mensaje.
page-error-503-title = Vuelva a intentarlo en un minuto
page-error-503 = En este momento el servicio no puede guardar nada. Su enlace sigue funcionando; vuelva a intentarlo en unos momentos.
page-error-500-title = Algo falló de nuestro lado
page-error-500 = Vuelva a intentarlo en un minuto. Si sigue pasando, comuníquese con su terapeuta.

# La cuenta atrás de la página temprana y la hora local (countdown.js
# completa {left} y {time}), y el aviso en vivo del portal (portal.js).
page-opening-now = Abriendo ahora…
page-opens-in = Se abre en { $left }
page-your-time = En su zona horaria: { $time }.
page-portal-open-now = Hay una sesión abierta ahora: el botón “Entrar a la videollamada” está en esta página.
