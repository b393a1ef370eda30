from emospeaker_studio.entry import run

run()
